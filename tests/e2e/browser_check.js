// The in-page half of the browser test (browser.rs): injected at the top of <head> of a copy of
// a chapter page, it waits for every figure image to load or fail, then writes what it saw as
// JSON into a <pre> with the id udl-browser-check, which headless Chromium's --dump-dom hands back.
(function () {
  "use strict";
  var problems = [];

  // Registered before the page's own <link>s, <script>s and <img>s, so it hears every failure.
  // Resource errors do not bubble: listen in the capture phase.
  window.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target !== window && target.tagName) {
      var what = target.getAttribute("src") || target.getAttribute("href") || "";
      problems.push("failed to load <" + target.tagName.toLowerCase() + "> " + what);
    } else {
      problems.push("script error: " + event.message + " at " + event.filename + ":" + event.lineno);
    }
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    problems.push("unhandled promise rejection: " + event.reason);
  });

  // Resolves once the image has loaded or failed, and (if it loaded) been decoded.
  function settled(img) {
    return new Promise(function (resolve) {
      if (img.complete) {
        resolve();
        return;
      }
      img.addEventListener("load", resolve);
      img.addEventListener("error", resolve);
    }).then(function () {
      return img.decode().catch(function () {});
    });
  }

  function report() {
    var images = Array.prototype.slice.call(document.querySelectorAll("figure img"));
    return Promise.all(images.map(settled)).then(function () {
      var figures = images.map(function (img) {
        var figure = img.closest("figure");
        return {
          id: figure.id,
          src: img.getAttribute("src"),
          complete: img.complete,
          width: img.naturalWidth,
          height: img.naturalHeight
        };
      });
      // KaTeX marks a formula it could not render with .katex-error (HTML) or <merror> (MathML).
      var errors = Array.prototype.slice
        .call(document.querySelectorAll(".katex-error, merror"))
        .map(function (el) { return el.outerHTML.slice(0, 300); });
      var heading = document.querySelector("main h1");
      return {
        title: document.title,
        heading: heading ? heading.textContent : null,
        figures: figures,
        errorElements: errors,
        problems: problems
      };
    });
  }

  // The load event waits for every image of the document, broken ones included.
  window.addEventListener("load", function () {
    report().catch(function (error) {
      return { fatal: "the check itself failed: " + error };
    }).then(function (result) {
      var out = document.createElement("pre");
      out.id = "udl-browser-check";
      // JSON whose <, > and & are \u escapes: the serialized DOM keeps the text as it is.
      out.textContent = JSON.stringify(result).replace(/[<>&]/g, function (c) {
        return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
      });
      document.body.appendChild(out);
    });
  });
})();
