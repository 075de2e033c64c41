"""What the processes agree on: the bot, Rasa with its plug-ins, the action server and the tools.

Each format shared between processes has its home here, with one writer and one parser: where local
data lives (VAR_DIR, TRACKER_DB_URL), the input limits, the shared secrets and their header, the layout
of the `location` slot and the message metadata keys. It imports nothing of ours, so every layer, the
lowest included, can use it without importing a layer above it.
"""
