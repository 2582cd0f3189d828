"""Getting into an account: sign-up, unlock, restore, recovery key, linking this computer, new
password.
"""
