"""The embeddable widget: /widget.js adds a chat button that opens /widget in an iframe."""

from __future__ import annotations

WIDGET_JS = r"""/* Clinic assistant widget. Usage:
   <script src="https://assistant.example/widget.js" data-color="#0b6e4f"
           data-greeting="Hi! Ask me about aches, pains and our clinic." data-position="right" data-lang="en" defer></script>
*/
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__clinicAssistantWidget) return;
  window.__clinicAssistantWidget = true;
  var base = new URL(script.src, document.baseURI).origin;
  var data = script.dataset || {};
  var colour = /^#[0-9a-fA-F]{3,8}$/.test(data.color || "") ? data.color : "#0b6e4f";
  var position = data.position === "left" ? "left" : "right";
  var labels = {
    en: { open: "Ask our physio assistant", close: "Close the assistant", title: "Clinic assistant" },
    cy: { open: "Gofynnwch i'n cynorthwyydd ffisio", close: "Cau'r cynorthwyydd", title: "Cynorthwyydd y clinig" },
    es: { open: "Pregunte a nuestro asistente", close: "Cerrar el asistente", title: "Asistente de la clínica" },
    fr: { open: "Demandez à notre assistant", close: "Fermer l'assistant", title: "Assistant de la clinique" }
  };
  var lang = labels[data.lang] ? data.lang : "en";
  var text = labels[lang];

  var button = document.createElement("button");
  button.type = "button";
  button.id = "clinic-assistant-button";
  button.setAttribute("aria-label", text.open);
  button.setAttribute("aria-expanded", "false");
  button.textContent = "\uD83D\uDCAC";
  var side = position + ":16px;";
  button.style.cssText = "position:fixed;bottom:16px;" + side + "width:56px;height:56px;border-radius:50%;" +
    "border:0;background:" + colour + ";color:#fff;font-size:26px;cursor:pointer;z-index:2147483000;" +
    "box-shadow:0 4px 12px rgba(0,0,0,.25)";

  var frame = null;
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      var query = "?lang=" + encodeURIComponent(lang) + (data.greeting ? "&greeting=" + encodeURIComponent(data.greeting.slice(0, 300)) : "");
      frame.src = base + "/widget/" + query;
      frame.id = "clinic-assistant-frame";
      frame.title = text.title;
      frame.setAttribute("allow", "clipboard-write");
      frame.style.cssText = "position:fixed;bottom:84px;" + side + "width:min(400px,calc(100vw - 32px));" +
        "height:min(640px,calc(100vh - 110px));border:1px solid #ccc;border-radius:12px;background:#fff;" +
        "z-index:2147483000;box-shadow:0 8px 24px rgba(0,0,0,.25)";
      document.body.appendChild(frame);
    }
    frame.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    button.setAttribute("aria-label", text.close);
    button.textContent = "\u2715";
  }
  function close() {
    if (frame) frame.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", text.open);
    button.textContent = "\uD83D\uDCAC";
    button.focus();
  }
  button.addEventListener("click", function () {
    if (frame && frame.style.display !== "none") close(); else open();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && frame && frame.style.display !== "none") close();
  });
  // Escape pressed inside the chat (the iframe) arrives as a message from the assistant's origin.
  window.addEventListener("message", function (e) {
    if (e.origin === base && e.data && e.data.type === "clinic-assistant-close") close();
  });
  function mount() { document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
"""


#: Runs inside /widget/: Escape asks the host page to close the chat.
WIDGET_PAGE_JS = """() => {
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && window.parent !== window) {
      window.parent.postMessage({ type: "clinic-assistant-close" }, "*");
    }
  });
}"""


def frame_ancestors(origins: list[str]) -> str:
    """The CSP that says who may put a page in an iframe."""
    return "frame-ancestors " + " ".join(["'self'", *origins])
