// Heard staff workspace: every form marked data-api is sent as JSON to
// the API path it names, with the method in data-method, so the pages and
// scripts share one interface (and one set of checks and audit entries).
// Same-origin fetches carry the session cookie; cross-origin writes are
// refused by the server.
"use strict";

(function () {
  function formJSON(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.closest("fieldset[data-list]")) return;
      if (el.type === "checkbox") { out[el.name] = el.checked; return; }
      var v = el.value;
      if (v === "" && el.hasAttribute("data-omit-empty")) return;
      switch (el.getAttribute("data-type")) {
        case "int": v = v === "" ? null : parseInt(v, 10); break;
        case "bool": v = v === "true"; break;
        case "list": v = v.split(",").map(function (x) { return x.trim(); }).filter(Boolean); break;
        case "json": v = JSON.parse(v); break; // a syntax error is shown as the form's error
      }
      // A dotted name ("selector.exact") builds a nested object.
      var path = el.name.split("."), at = out;
      for (var i = 0; i < path.length - 1; i++) { at = at[path[i]] = at[path[i]] || {}; }
      at[path[path.length - 1]] = v;
    });
    // A fieldset with data-list="name" sends its checked boxes as a list;
    // with data-omit-unchanged, only when the ticks differ from the page's.
    form.querySelectorAll("fieldset[data-list]").forEach(function (fs) {
      var boxes = fs.querySelectorAll("input[type=checkbox]");
      var list = [], changed = false;
      boxes.forEach(function (b) {
        if (b.checked) list.push(b.value);
        if (b.checked !== b.defaultChecked) changed = true;
      });
      if (changed || !fs.hasAttribute("data-omit-unchanged")) out[fs.getAttribute("data-list")] = list;
    });
    return out;
  }

  function describe(body, status) {
    var err = body && body.error;
    if (!err) return "The request failed (" + status + ").";
    var msg = err.message || "The request failed.";
    if (err.fields) {
      msg += " " + Object.keys(err.fields).map(function (k) { return k + " " + err.fields[k]; }).join("; ");
    }
    return msg;
  }

  function send(form) {
    var status = form.querySelector(".form-status");
    var button = form.querySelector("button[type=submit]");
    if (status) status.textContent = "Saving…";
    if (button) button.disabled = true;
    var body;
    try { body = JSON.stringify(formJSON(form)); } catch (e) {
      if (status) status.textContent = "Not valid JSON: " + e.message;
      if (button) button.disabled = false;
      return;
    }
    fetch(form.getAttribute("data-api"), {
      method: form.getAttribute("data-method") || "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      credentials: "same-origin",
      body: body
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        if (!resp.ok) throw new Error(describe(body, resp.status));
        return body;
      });
    }).then(function (body) {
      var then = form.getAttribute("data-then") || "reload";
      if (then === "reload") { location.reload(); return; }
      if (then === "show-link") {
        var box = form.querySelector(".reply-link");
        box.querySelector("output").textContent = body.data.reply_url;
        box.hidden = false;
        if (status) status.textContent = "Done.";
        return;
      }
      location.assign(then);
    }).catch(function (e) {
      if (status) status.textContent = e.message;
      if (button) button.disabled = false;
    });
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.hasAttribute("data-api")) return;
    ev.preventDefault();
    send(form);
  });

  // Selecting words in the passage fills the annotation form's quote: the
  // exact text and a little context either side, as a W3C
  // TextQuoteSelector has them.
  document.addEventListener("selectionchange", function () {
    var text = document.getElementById("snapshot-text");
    var form = document.getElementById("annotation-form");
    if (!text || !form) return;
    var sel = document.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    var range = sel.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return;
    var before = document.createRange();
    before.selectNodeContents(text);
    before.setEnd(range.startContainer, range.startOffset);
    var all = text.textContent, start = before.toString().length, exact = range.toString();
    form.elements["selector.exact"].value = exact;
    form.elements["selector.prefix"].value = all.slice(Math.max(0, start - 32), start);
    form.elements["selector.suffix"].value = all.slice(start + exact.length, start + exact.length + 32);
  });
})();
