// Every URL here is relative to the page, so the app works under whatever prefix the gateway gives it.
const list = document.getElementById("messages");
const form = document.getElementById("message-form");
const input = document.getElementById("message-text");
const errorBox = document.getElementById("message-error");
const clock = document.getElementById("clock");
const me = document.getElementById("user-id").textContent;
const shown = new Set();

function render(message) {
  // A posted message arrives twice, in the POST answer and on the event stream.
  if (shown.has(message.id)) return;
  shown.add(message.id);
  const item = document.createElement("li");
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = message.text;
  const meta = document.createElement("span");
  meta.className = "meta";
  const author = message.from === me ? "you" : (message.from ?? "a direct visitor");
  meta.textContent = `${author} · ${new Date(message.at).toLocaleTimeString()}`;
  item.append(text, meta);
  list.prepend(item);
}

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

async function loadMessages() {
  try {
    const response = await fetch("api/messages");
    if (!response.ok) throw new Error(`The app answered ${response.status}.`);
    for (const message of (await response.json()).messages) render(message);
  } catch (error) {
    showError(`Could not load the messages: ${error.message}`);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  showError("");
  try {
    const response = await fetch("api/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: input.value }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      // The app answers { error }; the gateway answers problem details ({ detail }).
      showError(body.error ?? body.detail ?? `The app answered ${response.status}.`);
      return;
    }
    render(body);
    form.reset();
  } catch (error) {
    showError(`Could not post: ${error.message}`);
  } finally {
    button.disabled = false;
    input.focus();
  }
});

const events = new EventSource("events");
events.addEventListener("tick", (event) => {
  clock.textContent = new Date(JSON.parse(event.data).time).toLocaleTimeString();
  clock.classList.remove("offline");
});
events.addEventListener("message-posted", (event) => render(JSON.parse(event.data)));
// EventSource reconnects by itself; until then, say so rather than show a frozen time.
events.addEventListener("error", () => clock.classList.add("offline"));

loadMessages();
