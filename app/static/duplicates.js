// The add form's "possible duplicates": asks /duplicate/candidates as the desk types the
// subject, dusun, category or phone, and lists what it answers (links open in a new tab, so
// nothing typed is lost). Without this script the complaint's page shows the same list.
(function () {
  var box = document.getElementById("duplicate-candidates");
  if (!box) { return; }
  var subject = document.querySelector("[name=subject]");
  if (!subject || !subject.form) { return; }
  var form = subject.form;
  var names = ["subject", "dusun", "category", "complainant_phone"];
  var timer = null;
  function value(name) {
    var field = form.elements[name];
    return field ? field.value : "";
  }
  function show(list) {
    box.textContent = "";
    if (!list.length) { box.hidden = true; return; }
    box.hidden = false;
    var title = document.createElement("strong");
    title.textContent = box.dataset.title;
    box.appendChild(title);
    var ul = document.createElement("ul");
    list.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url; a.target = "_blank"; a.rel = "noopener";
      a.textContent = item.register_number;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" " + item.subject + " (" + item.status + "; " +
                                             item.reasons.join(", ") + ")"));
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }
  function ask() {
    var query = new URLSearchParams({subject: value("subject"), dusun: value("dusun"),
      category: value("category"), phone: value("complainant_phone")});
    fetch(box.dataset.url + "?" + query.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {candidates: []}; })
      .then(function (data) { show(data.candidates); })
      .catch(function () { /* the complaint's page lists them after saving */ });
  }
  names.forEach(function (name) {
    var field = form.elements[name];
    if (field) {
      field.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(ask, 300); });
    }
  });
}());
