// "使用我的位置" on the 12345 request form: fills the latitude and longitude fields from the
// browser's geolocation. Progressive enhancement: without JavaScript (or geolocation) the
// button stays hidden and the two fields are typed by hand. A static file: the
// Content-Security-Policy forbids inline scripts. The box may word its own messages
// (data-locate-busy, data-locate-done, data-locate-failed; the grid worker's form does).
(function () {
  "use strict";

  function setUp(box) {
    if (!("geolocation" in navigator)) { return; }
    var form = box.closest("form");
    var button = box.querySelector("[data-locate-button]");
    var status = box.querySelector("[data-locate-status]");
    var latitude = form && form.querySelector("input[name=latitude]");
    var longitude = form && form.querySelector("input[name=longitude]");
    if (!button || !status || !latitude || !longitude) { return; }
    function say(key, fallback) { return box.getAttribute("data-locate-" + key) || fallback; }
    box.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = say("busy", "正在获取您的位置…");
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          latitude.value = position.coords.latitude.toFixed(6);
          longitude.value = position.coords.longitude.toFixed(6);
          status.textContent = say("done", "已填入您当前的位置，请核对。");
          button.disabled = false;
        },
        function () {
          status.textContent = say("failed", "无法获取您的位置，请手动填写，或不填。");
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function ready() {
    var boxes = document.querySelectorAll("[data-locate]");
    for (var i = 0; i < boxes.length; i++) { setUp(boxes[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
