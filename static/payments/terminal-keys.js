// The counter by keyboard: digits, ".", Backspace and Enter work on the amount and on the phone
// digits as on the touch keypads; after each screen change focus goes to the next action.

// `handlers` maps a screen id to {key(k) → bool, enter() → void}; `currentScreen()` names the
// visible screen. Typing into a form field is left alone, and Enter on a focused button is the
// button's own click, so nothing runs twice.
export function bindKeyboard(currentScreen, handlers) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (event.target.closest?.("input, textarea, select")) return;
    const handler = handlers[currentScreen()];
    if (!handler) return;
    if (event.key === "Enter") {
      if (event.target.closest?.("button, a")) return;
      event.preventDefault();
      handler.enter();
      return;
    }
    const key = event.key === "Backspace" ? "back" : event.key === "Escape" ? "clear" : event.key;
    if (handler.key(key)) event.preventDefault();
  });
}

// Focus `element` unless focus already sits on it; a focusable-by-script target gets tabindex -1.
export function focusOn(element) {
  if (!element || element.hidden || element.disabled) return;
  if (!element.matches("button, input, a, select, textarea") && !element.hasAttribute("tabindex")) {
    element.setAttribute("tabindex", "-1");
  }
  if (document.activeElement !== element) element.focus();
}
