// The receipt's QR code opens /status#kode=ABCD-EFGH-JKLM: fill the tracking code field from
// the fragment (which the browser never sends to the server), then drop it from the address
// bar and put the cursor on the phone digits. Without JavaScript the resident types the code
// printed large on the receipt.
(function () {
  var match = /(?:^#|&)kode=([A-Za-z0-9-]{1,40})(?:&|$)/.exec(window.location.hash);
  var field = document.getElementById("tracking_code");
  if (!match || !field) {
    return;
  }
  if (!field.value) {
    field.value = match[1].toUpperCase();
  }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  var next = document.getElementById("phone_last4");
  if (next) {
    next.focus();
  }
})();
