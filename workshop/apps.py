from django.apps import AppConfig


class WorkshopConfig(AppConfig):
    name = "workshop"
    verbose_name = "Workshop"

    def ready(self):
        from corsheaders.signals import check_request_enabled

        from workshop.twin import cors_allow_twin

        # The guided lab's cross-origin step: the loopback twin origin may call the JWT door's Bearer endpoints.
        check_request_enabled.connect(cors_allow_twin, dispatch_uid="workshop-twin-origin")
