from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Associations sign up at /signup/ on the platform host; their members are invited.
        return False
