"""The settings window and its pages (account, devices, about), linking a new device."""
