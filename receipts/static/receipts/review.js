// The review queue by keyboard: A approves, R moves to the reason of a rejection, N skips to the
// next receipt, and Enter in the note rejects. Keys typed into a field are left alone.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
  if (typing || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  var key = event.key.toLowerCase();
  if (key === "a") {
    var approve = document.getElementById("approve-form");
    if (approve) { event.preventDefault(); approve.requestSubmit(); }
  } else if (key === "r") {
    var reason = document.getElementById("reject-reason");
    if (reason) { event.preventDefault(); reason.focus(); }
  } else if (key === "n") {
    var next = document.getElementById("next-receipt");
    if (next) { event.preventDefault(); window.location.assign(next.href); }
  }
});
