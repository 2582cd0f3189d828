"""Voice and video calls: the ringing window, the in-call window, their video, and the
controller that opens them from the engine's call events."""
