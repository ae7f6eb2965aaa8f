"""Change Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
ChangesConfig.ready().
"""
