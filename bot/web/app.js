// Local web chat: sends typed text or button payloads to /api/message and renders the replies.
const log = document.getElementById("log");
const form = document.getElementById("composer");
const input = document.getElementById("text");
// Dialable numbers only: Bangladeshi numbers starting with 0 or +880, and the national short codes.
const PHONE = /(\+880\d{8,10}|\b0\d{2,4}-?\d{5,8}\b|\b(?:999|109|1098|333|16\d{3})\b)/g;

function bubble(text, who) {
  const div = document.createElement("div");
  div.className = "msg " + who;
  // Text is inserted as text nodes; only phone numbers become tel: links.
  let last = 0;
  for (const m of text.matchAll(PHONE)) {
    div.append(document.createTextNode(text.slice(last, m.index)));
    const a = document.createElement("a");
    a.href = "tel:" + m[1].replace(/-/g, "");
    a.textContent = m[1];
    div.append(a);
    last = m.index + m[1].length;
  }
  div.append(document.createTextNode(text.slice(last)));
  log.append(div);
  log.scrollTop = log.scrollHeight;
}

function buttons(list) {
  const row = document.createElement("div");
  row.className = "buttons";
  for (const b of list) {
    const el = document.createElement("button");
    el.type = "button";
    el.textContent = b.title;
    el.onclick = () => { bubble(b.title, "me"); send({payload: b.payload}); };
    row.append(el);
  }
  log.append(row);
}

function locationButton(label) {
  const row = document.createElement("div");
  row.className = "buttons";
  const el = document.createElement("button");
  el.type = "button";
  el.className = "geo";
  el.textContent = label || "📍";
  el.onclick = () => {
    if (!navigator.geolocation) { bubble("Location is not available in this browser: choose or type a place.", "bot"); return; }
    navigator.geolocation.getCurrentPosition(
      pos => { bubble("📍", "me"); send({payload: "/inform_location", metadata: {lat: pos.coords.latitude, lon: pos.coords.longitude}}); },
      () => bubble("Location was not shared: choose or type a place.", "bot"));
  };
  row.append(el);
  log.append(row);
}

async function send(body) {
  try {
    const resp = await fetch("/api/message", {method: "POST", headers: {"Content-Type": "application/json"},
                                               body: JSON.stringify(body)});
    const data = await resp.json();
    for (const r of data.replies) {
      if (r.text) bubble(r.text, "bot");
      if (r.buttons && r.buttons.length) buttons(r.buttons);
      if (r.custom && r.custom.request_location) locationButton(r.custom.button);
    }
  } catch (e) {
    bubble("দুঃখিত, সংযোগ নেই। বিপদে থাকলে 999 / 109 / 1098।\nSorry, no connection. In danger? Call 999, 109 or 1098.", "bot");
  }
}

form.addEventListener("submit", ev => {
  ev.preventDefault();
  const text = input.value;
  input.value = "";
  if (text.trim()) bubble(text, "me");
  send({text});
});

send({payload: "/greet"});
