from django.core import checks
from django.core.management.base import BaseCommand, CommandError

# Django's deployment check ids -> the environment variable that fixes them in Steward.
ENV_FIX = {
    "security.W004": "set SECURE_HSTS_SECONDS (e.g. 31536000) once the site is served only over HTTPS",
    "security.W008": "set SECURE_SSL_REDIRECT=true, or redirect to HTTPS at the load balancer",
    "security.W009": "set SECRET_KEY to a long random value",
    "security.W012": "set SECURE_COOKIES=true when serving over HTTPS",
    "security.W016": "set SECURE_COOKIES=true when serving over HTTPS",
    "security.W018": "unset DEBUG (or DEBUG=false)",
    "security.W020": "set ALLOWED_HOSTS to the host names people use",
}


class Command(BaseCommand):
    help = "Check the installation for production: Django's deployment checks and Steward's own."
    requires_system_checks: list = []

    def handle(self, *args, **options) -> None:
        messages = checks.run_checks(include_deployment_checks=True)
        errors = 0
        for message in sorted(messages, key=lambda m: -m.level):
            level = {
                checks.ERROR: "ERROR",
                checks.CRITICAL: "ERROR",
                checks.WARNING: "WARNING",
            }.get(message.level, "INFO")
            errors += message.level >= checks.ERROR
            fix = ENV_FIX.get(message.id) or message.hint or ""
            text = message.msg.split(". ")[0].rstrip(".")
            self.stdout.write(f"{level:<7} {message.id}: {text}.")
            if fix:
                self.stdout.write(f"        fix: {fix}")
        if errors:
            raise CommandError(f"{errors} error(s): fix them, then run `steward check` again.")
        self.stdout.write(f"No errors ({len(messages)} note(s) above).")
