// The inform page: the WhatsApp link always carries the message as it is in the box (the
// server writes the link for the text it sent; this keeps it current as the desk types), so
// the "update the link" button and its hint are not needed.
(function () {
  var link = document.getElementById("whatsapp-link");
  var message = document.querySelector("textarea[name=message]");
  if (!link || !message || !link.dataset.base) { return; }
  function update() {
    link.href = link.dataset.base + "?text=" + encodeURIComponent(message.value);
  }
  message.addEventListener("input", update);
  update();
  var hidden = document.querySelectorAll(".whatsapp-manual");
  for (var i = 0; i < hidden.length; i++) { hidden[i].hidden = true; }
}());
