// Response template picker: fetches the template filled in for this complaint (the same
// page the plain GET form opens) and puts its text into the field without losing what was
// typed: a field as the page left it, empty, or holding only a template's text gets the
// template's text; one with anything typed gets it inserted at the cursor. Without this
// script the picker reloads the page with the template filled in.
(function () {
  var picker = document.querySelector("form.template-picker[data-target]");
  if (!picker || !window.fetch || !window.DOMParser) { return; }
  var select = picker.querySelector("select[name=template]");
  var status = picker.querySelector(".template-status");
  function field(doc, name) {
    return doc.querySelector("form:not(.template-picker) [name='" + name + "']");
  }
  var filled = {};  // per field: the template text that alone fills it, if any
  function put(target, text) {
    if (target.value === target.defaultValue || target.value.trim() === "" ||
        target.value === filled[target.name]) {
      target.value = text;
      filled[target.name] = text;
    } else {
      var start = target.selectionStart, end = target.selectionEnd;
      if (typeof start !== "number") { start = end = target.value.length; }
      target.value = target.value.slice(0, start) + text + target.value.slice(end);
      target.selectionStart = target.selectionEnd = start + text.length;
      delete filled[target.name];
    }
    target.dispatchEvent(new Event("input", {bubbles: true}));
    target.focus();
  }
  picker.addEventListener("submit", function (event) {
    var target = field(document, picker.dataset.target);
    if (!target) { return; }
    event.preventDefault();
    var url = picker.action + (picker.action.indexOf("?") < 0 ? "?" : "&") +
      "template=" + encodeURIComponent(select.value);
    fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = field(doc, picker.dataset.target);
      if (!fresh) { throw new Error("no field"); }
      put(target, fresh.value);
      var subject = field(document, "subject"), newSubject = field(doc, "subject");
      if (subject && newSubject && subject.value === subject.defaultValue) {
        subject.value = newSubject.value;
      }
      if (status) { status.textContent = picker.dataset.done; }
    }).catch(function () {
      if (status) { status.textContent = picker.dataset.failed; }
    });
  });
}());
