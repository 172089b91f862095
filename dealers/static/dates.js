// Japanese date fields (dealers/forms/dates.py): the day typed as yyyy/mm/dd is shown in words
// beside the box (2026年12月10日(木)), and the calendar button opens the browser's date picker,
// whose choice is written back as yyyy/mm/dd. Without JavaScript the box still works.
(function () {
  "use strict";
  var JA_WEEKDAYS = "日月火水木金土";
  var EN_WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function parse(text) {
    var t = (text || "").normalize("NFKC").replace(/\s+/g, "").replace(/[(（][^)）]*[)）]$/, "");
    var m = t.match(/^(\d{4})[\/\-.](\d{1,2})[\/\-.](\d{1,2})$/) || t.match(/^(\d{4})年(\d{1,2})月(\d{1,2})日?$/) ||
            t.match(/^(\d{4})(\d{2})(\d{2})$/);
    if (!m) return null;
    var d = new Date(+m[1], +m[2] - 1, +m[3]);
    return d.getFullYear() === +m[1] && d.getMonth() === +m[2] - 1 && d.getDate() === +m[3] ? d : null;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function slashed(d) { return d.getFullYear() + "/" + pad(d.getMonth() + 1) + "/" + pad(d.getDate()); }
  function iso(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function words(d) {
    if ((document.documentElement.lang || "ja").indexOf("ja") === 0) {
      return d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日(" + JA_WEEKDAYS[d.getDay()] + ")";
    }
    return EN_WEEKDAYS[d.getDay()] + " " + d.getDate() + " " + EN_MONTHS[d.getMonth()] + " " + d.getFullYear();
  }
  function show(box) {
    var out = document.querySelector('[data-date-shown-for="' + box.id + '"]');
    var d = parse(box.value);
    if (out) out.textContent = d ? words(d) : "";
    var picker = document.querySelector('[data-picker-for="' + box.id + '"]');
    if (picker && d) picker.value = iso(d);
  }
  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("[data-date-field]")) show(e.target);
  });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t.matches || !t.matches("[data-picker-for]") || !t.value) return;
    var box = document.getElementById(t.getAttribute("data-picker-for"));
    var d = parse(t.value);
    if (box && d) { box.value = slashed(d); show(box); box.focus(); }
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-calendar-for]");
    if (!button) return;
    var picker = document.querySelector('[data-picker-for="' + button.getAttribute("data-calendar-for") + '"]');
    if (!picker) return;
    try { picker.showPicker(); } catch (err) { picker.focus(); picker.click(); }
  });
})();
