/* The knowledge base's search page (sok/?q=…) and header search box.
 *
 * Results come from the search API (/api/search, when the site is served by `kb serve`) and
 * otherwise from the static index shipped with the site, so plain static hosting works too.
 * Hits come 20 to a page; further pages are plain links (sok/?q=…&sida=2).
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
  /* The API's notice says in English why a cited law found nothing; notice_detail says it in
     codes, so the page can say it in Swedish as the static search does (kb-search.js). */
  function swedishNotice(detail, english) {
    if (!detail || !Array.isArray(detail.cited)) return english || null;
    if (detail.code === "not_in_knowledge_base") return "Finns inte i kunskapsbanken: " + detail.cited.join(", ") + ".";
    if (detail.code === "no_such_chapter") return "Ingen författning i kunskapsbanken har ett " + detail.cited.join(", ");
    return english || null;
  }

  function apiSearch(q, offset) {
    var ctrl = typeof AbortController !== "undefined" ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, API_TIMEOUT_MS) : null;
    var url = siteUrl("api/search?q=" + encodeURIComponent(q) + "&limit=" + LIMIT + (offset ? "&offset=" + offset : ""));
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
          offset: offset || 0,
          suggestion: data.suggestion || null,
          notice: swedishNotice(data.notice_detail, data.notice),
          timedOut: data.timed_out === true,
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

  /* Whether a search API answers beside the site: sok-index/api.json says false in the
     built site and true when `kb serve` answers it (kb/site/static_layout.py). */
  var apiAvailable = null;
  function apiMode() {
    if (!apiAvailable) {
      apiAvailable = fetch(siteUrl("sok-index/api.json"))  /* preloaded by the search page */
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { return !!(d && d.api === true); }, function () { return false; });
    }
    return apiAvailable;
  }

  function staticSearch(q, offset) {
    if (!KB.staticSearch) throw new Error("Ingen sökning tillgänglig.");
    return KB.staticSearch(q, LIMIT, offset);
  }

  KB.search = function (q, offset) {
    return apiMode().then(function (api) {
      if (!api) return staticSearch(q, offset);
      return apiSearch(q, offset).catch(function () { return staticSearch(q, offset); });
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

  /* The address of another page of hits: sok/?q=…&sida=n (a plain link, so the browser's
     back button and a shared address both work). */
  function pageUrl(q, page) {
    return siteUrl("sok/?q=" + encodeURIComponent(q) + (page > 1 ? "&sida=" + page : ""));
  }

  function statusText(q, result, hits) {
    var offset = result.offset || 0, total = result.total || hits.length;
    if (!hits.length) {
      if (result.timedOut) return "Sökningen efter \u201d" + q + "\u201d hann inte klart.";
      return offset ? "Inga fler träffar för \u201d" + q + "\u201d." : "Inga träffar för \u201d" + q + "\u201d.";
    }
    if (total <= hits.length && !offset) return hits.length + (hits.length === 1 ? " träff" : " träffar") + " för \u201d" + q + "\u201d";
    return "Träff " + (offset + 1) + "\u2013" + (offset + hits.length) + " av " + total + " för \u201d" + q + "\u201d";
  }

  function pager(q, result, hits) {
    var offset = result.offset || 0, total = result.total || 0, page = Math.floor(offset / LIMIT) + 1;
    var more = offset + hits.length < total;
    if (page === 1 && !more) return null;
    var nav = el("nav", "kb-pager");
    nav.setAttribute("aria-label", "Fler träffar");
    if (page > 1) {
      var prev = el("a", "md-button", "\u2190 Föregående " + LIMIT);
      prev.href = pageUrl(q, page - 1);
      prev.rel = "prev";
      nav.appendChild(prev);
    }
    if (more) {
      var next = el("a", "md-button md-button--primary", "Nästa " + Math.min(LIMIT, total - offset - hits.length) + " \u2192");
      next.href = pageUrl(q, page + 1);
      next.rel = "next";
      nav.appendChild(next);
    }
    return nav;
  }

  function render(box, q, result) {
    box.textContent = "";
    var hits = result.hits || [];
    var status = el("p", "kb-search__status");
    status.textContent = statusText(q, result, hits);
    box.appendChild(status);
    if (result.notice) box.appendChild(el("p", "kb-search__notice", result.notice));  /* a cited law not here */
    if (result.timedOut) {
      box.appendChild(el("p", "kb-search__notice kb-search__timeout", hits.length
        ? "Sökningen tog för lång tid och avbröts: det kan finnas fler träffar än de som visas."
        : "Den avbröts efter tidsgränsen innan den hittade något. Försök igen, eller med färre eller mer precisa ord."));
    }
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
    if (hits.length) list.start = (result.offset || 0) + 1;
    box.appendChild(list);
    var nav = pager(q, result, hits);
    if (nav) box.appendChild(nav);
    box.setAttribute("data-mode", result.mode);
    box.setAttribute("data-state", "done");
  }

  function initSearchPage() {
    var box = document.getElementById("kb-search");
    if (!box) return;
    var params = new URLSearchParams(location.search);
    var q = (params.get("q") || "").trim();
    var page = Math.max(1, Math.min(50, parseInt(params.get("sida") || "1", 10) || 1));
    var input = document.getElementById("kb-q");
    if (input) input.value = q;
    var header = document.querySelector("input.md-search__input");
    if (header && q) header.value = q;
    if (!q) { box.setAttribute("data-state", "empty"); return; }
    document.title = q + " – " + document.title;
    box.setAttribute("data-state", "searching");
    box.textContent = "Söker\u2026";
    KB.search(q, (page - 1) * LIMIT).then(function (result) { render(box, q, result); }, function (err) {
      box.textContent = "Sökningen kunde inte köras: " + (err && err.message ? err.message : err);
      box.setAttribute("data-state", "error");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initSearchPage);
  else initSearchPage();
})();
