(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("#list tbody tr:not(.up)")).filter(function (r) { return r.querySelector("a"); });
  // A name in NFD (as macOS writes it) matches what is typed, in NFC.
  function fold(s) { return (s.normalize ? s.normalize("NFC") : s).toLowerCase(); }
  var names = rows.map(function (r) { return fold(r.querySelector("a").textContent); });
  var box = document.getElementById("filter-box"), input = document.getElementById("filter"), count = document.getElementById("count");
  var all = count.textContent;
  box.hidden = rows.length === 0;
  input.addEventListener("input", function () {
    var q = fold(input.value), shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var hit = names[i].indexOf(q) >= 0;
      rows[i].hidden = !hit;
      if (hit) { shown++; }
    }
    count.textContent = q ? shown + " of " + all : all;
  });
  function two(n) { return (n < 10 ? "0" : "") + n; }
  var times = document.querySelectorAll("#list time");
  for (var i = 0; i < times.length; i++) {
    var t = times[i], d = new Date(t.dateTime);
    if (isNaN(d.getTime())) { continue; }
    t.title = t.textContent + " UTC";
    t.textContent = d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  var notes = document.querySelectorAll("#list thead .note");
  for (var j = 0; j < notes.length; j++) { notes[j].parentNode.removeChild(notes[j]); }
})();
