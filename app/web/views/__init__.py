"""The FAB screens and public pages; app.web.menu adds them to the app in menu order."""
