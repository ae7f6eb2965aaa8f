"""Background jobs of Problem Management. Importing this module (from
``ProblemsConfig.ready``) registers the periodic jobs; each is idempotent."""

# --- candidates: problem candidates -------------------------------------------------
# (section owned by the candidates topic)


# --- closure: problem closure and impasse (proc. 4) ---------------------------------
# (section owned by the closure topic)
