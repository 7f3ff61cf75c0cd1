// Response template picker: fetches the template filled in for this complaint (the same
// page the plain GET form opens) and puts its text into the field without losing what was
// typed: an untouched field (as the page or the last template left it) gets the template's
// text, an edited one gets it inserted at the cursor. Without this script the picker reloads the page with the template filled in.
(function () {
  var picker = document.querySelector("form.template-picker[data-target]");
  if (!picker || !window.fetch || !window.DOMParser) { return; }
  var select = picker.querySelector("select[name=template]");
  var status = picker.querySelector(".template-status");
  function field(doc, name) {
    return doc.querySelector("form:not(.template-picker) [name='" + name + "']");
  }
  var untouched = {};  // per field: its text as the page or the last template left it
  function put(target, text) {
    var before = target.name in untouched ? untouched[target.name] : target.defaultValue;
    if (target.value === before || target.value.trim() === "") {
      target.value = text;
    } else {
      var start = target.selectionStart, end = target.selectionEnd;
      if (typeof start !== "number") { start = end = target.value.length; }
      target.value = target.value.slice(0, start) + text + target.value.slice(end);
      target.selectionStart = target.selectionEnd = start + text.length;
    }
    untouched[target.name] = target.value;
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
      var filled = field(doc, picker.dataset.target);
      if (!filled) { throw new Error("no field"); }
      put(target, filled.value);
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
