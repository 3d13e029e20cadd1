/* Static search engine: Pagefind (built over site/ by `kb build`). */
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var loading = null;
  var PER_PAGE = 2;

  function load() {
    if (!loading) {
      loading = import(KB.siteUrl("pagefind/pagefind.js")).then(function (pf) {
        return pf.options({ baseUrl: new URL(KB.siteUrl("")).pathname }).then(function () { return pf; });
      });
    }
    return loading;
  }

  KB.staticSearch = function (q, limit) {
    limit = limit || 20;
    return load().then(function (pf) { return pf.search(q); }).then(function (res) {
      return Promise.all(res.results.slice(0, limit).map(function (r) { return r.data(); }));
    }).then(function (pages) {
      var hits = [];
      pages.forEach(function (p) {
        var subs = (p.sub_results || []).slice().sort(function (a, b) {
          return (b.locations || []).length - (a.locations || []).length;
        }).slice(0, PER_PAGE);
        if (!subs.length) subs = [{ title: p.meta.title, url: p.url, excerpt: p.excerpt }];
        subs.forEach(function (s) {
          var anchor = (s.url.split("#")[1] || "");
          var m = /\/dok\/(.+?)\/(?:#.*)?$/.exec(s.url);
          hits.push({
            title: p.meta.title, section: s.title === p.meta.title ? "" : s.title,
            doc_id: m ? decodeURIComponent(m[1]) : "", anchor: anchor,
            url: new URL(s.url, location.href).href, snippetHtml: s.excerpt || p.excerpt || "",
            source: (p.meta && p.meta.source) || ""
          });
        });
      });
      return { mode: "static", engine: "pagefind", total: hits.length, hits: hits.slice(0, limit) };
    });
  };
})();
