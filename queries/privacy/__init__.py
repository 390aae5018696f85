"""What an answer reveals, and the small-cell rule of each kind of answer outside patient places."""
