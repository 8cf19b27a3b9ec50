// The counter's amount: typed as text ("38.5"), held and sent as fen (3850), shown as "¥38.50".

export function amountMinorOf(amountText) {
  if (!/^\d+(\.\d{0,2})?$/.test(amountText)) return 0;
  const [units, fraction = ""] = amountText.split(".");
  return Number(units) * 100 + Number((fraction + "00").slice(0, 2));
}

export function formatMinor(minor, code) {
  const symbol = { CNY: "¥", HKD: "HK$", USD: "$", EUR: "€", JPY: "¥" }[code] || `${code} `;
  return `${symbol}${Math.floor(minor / 100).toLocaleString("en")}.${String(minor % 100).padStart(2, "0")}`;
}

// The amount text after one key ("0"-"9", ".", "back", "clear"); null for a key that is not one.
export function amountAfterKey(amountText, key) {
  if (key === "back") return amountText.slice(0, -1);
  if (key === "clear") return "";
  if (!/^[0-9.]$/.test(key)) return null;
  if (key === "." && amountText.includes(".")) return amountText;
  if (/\.\d\d$/.test(amountText) || amountText.length >= 9) return amountText;
  return (amountText === "0" && key !== "." ? "" : amountText) + key;
}
