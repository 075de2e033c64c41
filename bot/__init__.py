"""Front ends: the Telegram bot and the local chat. The only layer that talks to users' apps.

Each front end is thin: it turns a user's message into a call to Rasa's REST channel
(``rasa_bridge``) and renders Rasa's replies back.
"""
