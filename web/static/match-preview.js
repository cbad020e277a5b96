// What the matching funds would add, updated as the citizen types the amount. The page works
// without this: the "See what the funds add" button asks the server for the same preview.
// Amounts are decimal strings from the API and are added as integers of minor units.
(function () {
  "use strict";
  var box = document.getElementById("match-preview");
  var input = document.getElementById("amount");
  if (!box || !input || !window.fetch) return;
  var url = box.getAttribute("data-preview-url");
  var currency = box.getAttribute("data-currency");
  var exponent = parseInt(box.getAttribute("data-exponent"), 10) || 0;
  var total = box.querySelector("[data-role=total]");
  var summary = document.getElementById("preview-summary");
  var timer = null;
  var asked = 0;

  function minor(text) {
    var match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text).trim());
    if (!match) return null;
    var part = (match[3] || "").padEnd(exponent, "0").slice(0, exponent);
    var value = parseInt(match[2] + part, 10);
    return match[1] ? -value : value;
  }

  function display(units) {
    // As Money.display on the server: "EUR 12,500.00".
    var digits = String(Math.abs(units)).padStart(exponent + 1, "0");
    var whole = exponent ? digits.slice(0, -exponent) : digits;
    var part = exponent ? "." + digits.slice(-exponent) : "";
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return currency + " " + (units < 0 ? "-" : "") + whole + part;
  }

  function sentence(text) {
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }

  function clear() {
    box.querySelectorAll("tr[data-fund-id] [data-role=amount]").forEach(function (cell) {
      cell.textContent = "—";
    });
    if (total) total.textContent = "—";
    if (summary) summary.hidden = true;
  }

  function show(pledged, body) {
    var pledgeUnits = minor(pledged);
    if (pledgeUnits === null) return clear();
    var added = 0;
    body.matches.forEach(function (match) {
      var row = box.querySelector('tr[data-fund-id="' + match.fund_id + '"]');
      var units = minor(match.amount) || 0;
      added += units;
      if (!row) return;
      row.querySelector("[data-role=amount]").textContent = display(units);
      row.querySelector("[data-role=reason]").textContent =
        sentence(match.reason) + " (rules version " + match.rule_version + ")";
    });
    if (total) total.textContent = display(pledgeUnits + added);
    if (summary) summary.hidden = true;
  }

  function ask() {
    var pledged = input.value.trim();
    if (!/^\d+(\.\d+)?$/.test(pledged)) return clear();
    var mine = ++asked;
    fetch(url + "?amount=" + encodeURIComponent(pledged), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (mine !== asked) return; // an answer to an amount typed before the last one
        if (!body || !Array.isArray(body.matches)) return clear();
        show(pledged, body);
      })
      .catch(clear);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
})();
