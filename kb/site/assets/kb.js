/* The knowledge base's search page (sok/?q=…) and header search box.
 *
 * Results come from the search API (/api/search, when the site is served by `kb serve`) and
 * otherwise from the static index shipped with the site, so plain static hosting works too.
 * All text from results is inserted as text; API snippets keep only their <mark> elements.
 */
(function () {
  "use strict";

  /* The site root: this script is <root>/assets/kb/kb.js (works under any sub-path, with
     MkDocs and Zensical alike); else the theme's config. */
  var script = document.currentScript;
  var configEl = document.getElementById("__config");
  var config = configEl ? JSON.parse(configEl.textContent) : { base: "." };
  var ROOT = script && script.src
    ? new URL("../../", script.src)
    : new URL(String(config.base || ".").replace(/\/?$/, "/"), location.href);
  var API_TIMEOUT_MS = 2500;
  var LIMIT = 20;

  function siteUrl(path) {
    return new URL(path, ROOT).href;
  }

  function docUrl(docId, anchor) {
    return siteUrl("dok/" + docId.split("/").map(encodeURIComponent).join("/") + "/") +
      (anchor ? "#" + encodeURIComponent(anchor) : "");
  }

  /* ---------------------------------------------------------------- engines */
  function apiSearch(q) {
    var ctrl = typeof AbortController !== "undefined" ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, API_TIMEOUT_MS) : null;
    var url = siteUrl("api/search?q=" + encodeURIComponent(q) + "&limit=" + LIMIT);
    return fetch(url, { signal: ctrl ? ctrl.signal : undefined, headers: { Accept: "application/json" } })
      .then(function (r) {
        var type = r.headers.get("content-type") || "";
        if (!r.ok || type.indexOf("json") < 0) throw new Error("no api");
        return r.json();
      })
      .then(function (data) {
        if (!data || !Array.isArray(data.hits)) throw new Error("no api");
        return {
          mode: "api",
          total: data.total,
          suggestion: data.suggestion || null,
          hits: data.hits.map(function (h) {
            return {
              title: h.title, section: h.section || "", doc_id: h.doc_id, anchor: h.anchor || "",
              url: h.doc_id ? docUrl(h.doc_id, h.anchor) : h.url, snippetHtml: h.snippet || "",
              source: h.source || "", publisher: h.publisher || "", type: h.type || "",
              date: h.date || "", tags: h.tags || []
            };
          })
        };
      })
      .finally(function () { if (timer) clearTimeout(timer); });
  }

  var KB = window.KB = window.KB || {};
  KB.siteUrl = siteUrl;
  KB.docUrl = docUrl;
  KB.apiSearch = apiSearch;
  /* KB.staticSearch(q) → Promise<{mode:"static", hits:[…]}> is defined by the static engine. */

  KB.search = function (q) {
    return apiSearch(q).catch(function () {
      if (!KB.staticSearch) throw new Error("Ingen sökning tillgänglig.");
      return KB.staticSearch(q, LIMIT);
    });
  };

  /* ---------------------------------------------------------------- rendering */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /* Only <mark> survives from an HTML snippet; everything else becomes text. */
  function safeSnippet(html, target) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    (function walk(node, out) {
      node.childNodes.forEach(function (c) {
        if (c.nodeType === 3) out.appendChild(document.createTextNode(c.nodeValue));
        else if (c.nodeType === 1) {
          if (c.tagName === "MARK") { var m = el("mark"); walk(c, m); out.appendChild(m); }
          else walk(c, out);
        }
      });
    })(doc.body, target);
  }

  function render(box, q, result) {
    box.textContent = "";
    var hits = result.hits || [];
    var status = el("p", "kb-search__status");
    status.textContent = hits.length
      ? "Träffar för \u201d" + q + "\u201d" + (result.total > hits.length ? " (visar " + hits.length + " av " + result.total + ")" : ": " + hits.length)
      : "Inga träffar för \u201d" + q + "\u201d.";
    box.appendChild(status);
    if (result.suggestion) {
      var p = el("p", "kb-search__suggestion", "Menade du ");
      var a = el("a", null, result.suggestion);
      a.href = siteUrl("sok/?q=" + encodeURIComponent(result.suggestion));
      p.appendChild(a);
      p.appendChild(document.createTextNode("?"));
      box.appendChild(p);
    }
    var list = el("ol", "kb-results");
    hits.forEach(function (h) {
      var li = el("li", "kb-hit");
      var title = el("a", "kb-hit__title", h.title);
      title.href = h.doc_id ? docUrl(h.doc_id) : h.url;
      li.appendChild(title);
      if (h.section && h.section !== h.title) {
        var sec = el("div", "kb-hit__section");
        var sa = el("a", "kb-hit__section-link", h.section);
        sa.href = h.url;
        sec.appendChild(sa);
        li.appendChild(sec);
      }
      var snip = el("p", "kb-hit__snippet");
      safeSnippet(h.snippetHtml || "", snip);
      li.appendChild(snip);
      var meta = [h.publisher, h.type, h.date].filter(Boolean).concat((h.tags || []).map(function (t) { return "#" + t; }));
      if (meta.length) li.appendChild(el("div", "kb-hit__meta", meta.join(" · ")));
      list.appendChild(li);
    });
    box.appendChild(list);
    box.setAttribute("data-mode", result.mode);
    box.setAttribute("data-state", "done");
  }

  function initSearchPage() {
    var box = document.getElementById("kb-search");
    if (!box) return;
    var q = (new URLSearchParams(location.search).get("q") || "").trim();
    var input = document.getElementById("kb-q");
    if (input) input.value = q;
    var header = document.querySelector("input.md-search__input");
    if (header && q) header.value = q;
    if (!q) { box.setAttribute("data-state", "empty"); return; }
    document.title = q + " – " + document.title;
    box.setAttribute("data-state", "searching");
    box.textContent = "Söker\u2026";
    KB.search(q).then(function (result) { render(box, q, result); }, function (err) {
      box.textContent = "Sökningen kunde inte köras: " + (err && err.message ? err.message : err);
      box.setAttribute("data-state", "error");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initSearchPage);
  else initSearchPage();
})();
