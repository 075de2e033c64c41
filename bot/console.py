"""A local chat in the terminal, for trying the bot without Telegram (`make run` with no token).

It goes through the same bridge as the Telegram bot. Buttons are shown as numbers: type the number
to tap one. Commands: /help, /language, /hotlines, /gps LAT,LON (share a location), /quit.
"""
from __future__ import annotations

import asyncio
import sys
import uuid

from contract.limits import clip_text
from contract.metadata import LAT, LON
from bot.messages import messages
from bot.privacy import sender_id
from bot.rasa_bridge import RasaBridge

COMMANDS = {"/start": "/greet", "/help": "/help", "/language": "/set_language", "/hotlines": "/hotline_numbers"}
GPS_HELP = "     (Telegram would show a 📍 button here. In this chat type /gps LAT,LON to share a location, e.g. /gps 23.17,89.21)"
QUIT = {"/quit", "/exit", "quit", "exit"}


def render(replies: list[dict]) -> list[dict]:
    """Print Rasa's replies; return the buttons that a number now selects."""
    buttons: list[dict] = []
    for reply in replies:
        if reply.get("text"):
            print("\nBot: " + reply["text"].replace("\n", "\n     "))
        if (reply.get("custom") or {}).get("request_location"):
            print(GPS_HELP)
        for button in reply.get("buttons") or []:
            buttons.append(button)
            print(f"     [{len(buttons)}] {button['title']}")
    return buttons


async def chat() -> None:
    sender = sender_id("console", uuid.uuid4())
    print("Local chat with the assistant. Type in বাংলা, English or Banglish; a number taps a button; /quit to leave.")
    buttons: list[dict] = []
    async with RasaBridge(channel="console") as rasa:
        while True:
            try:
                line = await asyncio.to_thread(input, "\nYou: ")
            except (EOFError, KeyboardInterrupt):
                print()
                return
            text = clip_text(line.strip())
            if text.lower() in QUIT:
                return
            if not text:
                print("\nBot: " + messages()["empty_message"].replace("\n", "\n     "))
                continue
            try:
                if text.isdigit() and 1 <= int(text) <= len(buttons):
                    replies = await rasa.reply(sender, buttons[int(text) - 1]["payload"], payload=True)
                elif text.lower().startswith("/gps"):
                    lat, _, lon = text[4:].strip().partition(",")
                    replies = await rasa.reply(sender, "/inform_location", payload=True,
                                               metadata={LAT: float(lat), LON: float(lon)})
                elif text.split()[0].lower() in COMMANDS:
                    replies = await rasa.reply(sender, COMMANDS[text.split()[0].lower()], payload=True)
                else:
                    replies = await rasa.reply(sender, text)
            except ValueError:  # /gps with something that is not LAT,LON
                replies = [{"text": GPS_HELP.strip()}]
            buttons = render(replies) or buttons


if __name__ == "__main__":
    try:
        asyncio.run(chat())
    except KeyboardInterrupt:
        pass
    sys.exit(0)
