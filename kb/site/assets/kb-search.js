/* Static search engine: the index `kb build` ships under sok-index/ (see kb/site/static_index.py).
 *
 * Scoring follows the API's search: BM25F over heading, title and body (precomputed per term
 * and section), each query word expanded to its analysed variants (lemma, compound parts,
 * folded spelling) with weights that favour the exact spelling, words OR-ed with a
 * coordination factor, and sections of one document spread out in the ranking. Questions are
 * read as the API reads them (fillers, numbers, citations, proximity), with the tokenizer and
 * tables kb build writes into meta.json from the Python definitions.
 */
(function () {
  "use strict";
  var KB = window.KB = window.KB || {};
  var DIR = "sok-index/";
  var COORDINATION_POWER = 2.0;
  var DIVERSIFY_DECAY = 0.55;
  var PART_DAMPING = 0.3;   /* kb.search.builder.PART_DAMPING: parts of a word the corpus holds inflected */

  var cache = {};
  function json(path) {
    if (!cache[path]) {
      cache[path] = fetch(KB.siteUrl(DIR + path)).then(function (r) {
        if (!r.ok) throw new Error("Sökindexet saknas (" + path + ")");
        return r.json();
      });
    }
    return cache[path];
  }
  function meta() { return json("meta.json"); }

  function fnv1a(text) {
    var h = 0x811c9dc5;
    for (var ch of text) {
      h ^= ch.codePointAt(0);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  /* kb.model.FOLD_TABLE, from meta.json: letters NFKD leaves alone (æ, ø) fold as on the server. */
  var FOLD = {};
  var MARK_ENDINGS = new Set([""]);   /* meta.inflection.endings, for marking words in snippets */
  function fold(text) {
    return text.replace(/[^\x00-\x7f]/g, function (c) { return FOLD[c] !== undefined ? FOLD[c] : c; })
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function shardOf(m, term) { return json("t/" + (fnv1a(term) % m.shards) + ".json"); }

  /* ------------------------------------------------------------ query parsing */
  /* A text's tokens as kb.analysis.tokenizer reads a query: its TOKEN_RE comes in meta.tokens
     (kb/site/js_patterns.py), so the words looked up are the words the index holds. "19 a" →
     "19a"; a hyphenated word gives its pieces ("e-handel" → "e", "handel"), each with the joined
     word (`whole`, "ehandel") and the match it came from (`at`). */
  KB.tokens = function (m, text) {
    var re = new RegExp(m.tokens.source, m.tokens.flags), out = [], g, at = 0;
    text = text.toLowerCase();
    while ((g = re.exec(text))) {
      var k = g.groups;
      at++;
      if (k.sec !== undefined) out.push({ text: k.sec.slice(0, -2) + k.sec.slice(-1), at: at });
      else if (k.word !== undefined) {
        var pieces = k.word.split("-"), whole = pieces.length > 1 ? pieces.join("") : null;
        pieces.forEach(function (p) { out.push({ text: p, whole: whole, at: at }); });
      } else out.push({ text: g[0], at: at });
    }
    return out;
  };

  /* Query parts: a word, or a hyphenated word as its joined form with its pieces ("e-handel"
     is ehandel; after a first piece of two letters or more the pieces count weakly, as
     kb.search.builder reads them). */
  function parse(m, q) {
    var parts = [];
    var re = /"([^"]*)"|(\S+)/g, x;
    while ((x = re.exec(q))) {
      var text = x[1] != null ? x[1] : x[2];
      var prefix = x[1] == null && /\*$/.test(text) && text.replace(/\*+$/, "").length >= 3;
      var tokens = KB.tokens(m, text);
      for (var i = 0; i < tokens.length; i++) {
        var t = tokens[i];
        if (t.whole) {
          var pieces = [t.text];
          while (i + 1 < tokens.length && tokens[i + 1].at === t.at) pieces.push(tokens[++i].text);
          parts.push({ word: t.whole, pieces: pieces[0].length > 1 ? pieces : [] });
        } else {
          parts.push({ word: t.text, prefix: prefix && i === tokens.length - 1 });
        }
      }
    }
    return parts.slice(0, 32);
  }

  /* Roles as kb.search.query.mark_roles: question words, modal and generic verbs ("hur", "får",
     "ställa"; meta.fillers, from kb.analysis.question_words) leave a query that has other words;
     a bare number or year ("2025"; meta.number) scores low and counts less in coordination. */
  var contentParts = KB.contentParts = function (m, parts) {
    var fillers = KB._fillers || (KB._fillers = new Set(m.fillers || []));
    var number = new RegExp("^(?:" + m.number.source + ")$", m.number.flags.replace("g", ""));
    var roles = parts.map(function (p) {
      if (p.prefix) return "content";
      if (fillers.has(p.word)) return "filler";
      return number.test(p.word) ? "number" : "content";
    });
    // In a question typed without å/ä/ö, "ar" is "är" (meta.foldedQuestionFillers), as in the API.
    var typedFolded = !parts.some(function (p) { return /[åäö]/i.test(p.word); });
    if (roles.indexOf("filler") >= 0 && typedFolded) {
      var folded = new Set(m.foldedQuestionFillers || []);
      roles = roles.map(function (r, i) { return r === "content" && !parts[i].prefix && folded.has(parts[i].word) ? "filler" : r; });
    }
    if (roles.indexOf("content") < 0) return parts;
    var out = [];
    parts.forEach(function (p, i) {
      if (roles[i] !== "filler") out.push(roles[i] === "number" ? Object.assign({ number: true }, p) : p);
    });
    return out;
  };

  function pairs(flat) {
    var out = [];
    for (var i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    return out;
  }

  /* Variants of one query word: [[term key, weight], …]; term keys of folded terms start with "~". */
  function variants(m, part, question) {
    var w = part.word, f = fold(w);
    if (part.prefix) return prefixVariants(m, w);
    return Promise.all([shardOf(m, w), shardOf(m, f)]).then(function (sh) {
      var exact = sh[0].w[w] !== undefined ? pairs(sh[0].w[w]) : [[w, 1]];
      /* "ändra" spelt "andra" is another word (the shard's f list, by the lexicon, as the API's
         _another_word): its folded forms would find that word, so they are left out. */
      var twin = w !== f && (sh[0].f || []).indexOf(w) >= 0 && !KB.noTwins;
      var folded = twin ? [] : sh[1].w["~" + f] !== undefined ? pairs(sh[1].w["~" + f]) : [[f, 1]];
      var known = exact.length === 0 || sh[0].t[w] !== undefined || sh[0].w[w] !== undefined ||
        sh[1].t["~" + f] !== undefined || sh[1].t[f] !== undefined || sh[1].w["~" + f] !== undefined;
      if (exact.length === 0) return { stop: true, list: [] };
      var list = exact.map(function (p) { return [p[0], p[1]]; })
        .concat(folded.map(function (p) { return ["~" + p[0], p[1] * m.foldedWeight]; }))
        .concat((part.pieces || []).map(function (p) { return [p, 0.3 + 0.6 * p.length / w.length]; }));
      if (known) return otherEndings(m, w, list, question).then(function (extra) { return { list: list.concat(extra) }; });
      return guess(m, w).then(function (extra) { return { list: list.concat(extra) }; });
    });
  }

  /* A known word's forms with another ending that the texts hold, as QueryBuilder.inflections
     (its endings in meta.inflection): "textil" finds "textilier"; in a question a verb also finds
     its action noun ("verifiera" → verifiering), which statutes and headings use. A form whose
     lemma is already one of the word's variants ("produkten" beside produkt) is found through it. */
  function otherEndings(m, w, list, question) {
    var inf = m.inflection;
    if (!inf || KB.noOtherEndings) return Promise.resolve([]);
    var candidates = endingCandidates(inf, w);
    if (!candidates.length) return Promise.resolve([]);
    var have = new Set(list.map(function (v) { return v[0]; }));
    var wholes = new Set(list.filter(function (v) { return v[0].charAt(0) !== "~" && v[1] >= 0.55; }).map(function (v) { return v[0]; }));
    return vocabulary(m, w).then(function (vocab) {
      var forms = candidates.filter(function (t) {
        return vocab.set.has(t) && !have.has(t) && (question || inf.questionOnly.indexOf(formEnding(w, t)) < 0);
      });
      return Promise.all(forms.map(function (t) { return shardOf(m, t); })).then(function (shards) {
        return forms.filter(function (t, i) {
          var own = shards[i].w[t] !== undefined ? pairs(shards[i].w[t]) : [];
          return !own.some(function (v) { return v[0] !== t && v[1] >= 0.55 && wholes.has(v[0]); });
        }).map(function (t) { return [t, inf.weight]; });
      });
    });
  }

  /* QueryBuilder.inflection_candidates: the word's stems (action-noun endings never stripped)
     with every other ending. */
  function endingCandidates(inf, w) {
    var out = [];
    if (!/^\p{L}+$/u.test(w) || w.length < inf.minStem + 1) return out;
    var stems = new Set();
    inf.endings.forEach(function (e) {
      if (w.endsWith(e) && inf.actionNoun.indexOf(e) < 0 && w.length - e.length >= inf.minStem) stems.add(w.slice(0, w.length - e.length));
    });
    Array.from(stems).sort().forEach(function (stem) {
      inf.endings.forEach(function (e) {
        var form = stem + e;
        if (form !== w && out.indexOf(form) < 0) out.push(form);
      });
    });
    return out;
  }

  function formEnding(w, form) {
    var n = 0;
    while (n < Math.min(w.length, form.length) && w[n] === form[n]) n++;
    return form.slice(n);
  }

  /* The indexed terms that begin like `term` (one file per first character, see
     kb/site/static_layout.py): {list, set}; empty when no term begins so. */
  var vocabCache = {};
  function vocabulary(m, term) {
    var cp = term.codePointAt(0);
    if (m.vocab.indexOf(cp) < 0) return Promise.resolve({ list: [], set: new Set() });
    var key = "v/" + cp + ".json";
    if (!vocabCache[key]) {
      vocabCache[key] = json(key).then(function (list) { return { list: list, set: new Set(list) }; });
    }
    return vocabCache[key];
  }

  /* A word the corpus does not hold: its inflected forms in the corpus, with its compound parts
     damped (compoundVariants), as the API's analysed variants; else its parts alone; else close
     spellings. Heads begin like the word, so one vocabulary file answers most of it. */
  function guess(m, w) {
    return vocabulary(m, w).then(function (heads) {
      var forms = inflections(w).filter(function (t) { return heads.set.has(t); }).slice(0, 3);
      return compoundVariants(m, w, heads).then(function (parts) {
        if (forms.length) {
          return inflectedVariants(m, forms).then(function (list) {
            var damping = KB.partDamping != null ? KB.partDamping : PART_DAMPING;   /* for measuring */
            return strongest(list.concat(parts.map(function (p) { return [p[0], p[1] * damping]; })));
          });
        }
        return parts.length ? parts : closest(heads.list, w).map(function (t) { return [t, 0.7]; });
      });
    });
  }
  /* [[term, weight], …] with each term once, at its highest weight (a term counts once per word). */
  function strongest(list) {
    var best = new Map();
    list.forEach(function (v) { best.set(v[0], Math.max(best.get(v[0]) || 0, v[1])); });
    return Array.from(best.entries());
  }

  /* An unknown compound as the API reads it (kb.search.builder: analysed parts, joined_parts):
     "direktupphandlingsgränsen" → direktupphandling + gräns, the longest heads the corpus holds
     (a linking s dropped; the last part may be inflected), each with its own analysed variants
     (direktupphandling → direkt, upphandling), weighted by its share of the word as the API's
     _variant_weight. [[term, weight], …]; empty when the word does not split. */
  function compoundVariants(m, w, heads) {
    return compoundSplit(m, w, heads, 0).then(function (parts) {
      if (!parts) return [];
      return Promise.all(parts.map(function (p) { return shardOf(m, p); })).then(function (shards) {
        var best = new Map();
        parts.forEach(function (p, i) {
          var share = 0.3 + 0.6 * Math.min(1, p.length / w.length);
          var list = shards[i].w[p] !== undefined ? pairs(shards[i].w[p]) : [[p, 1]];
          list.forEach(function (v) { best.set(v[0], Math.max(best.get(v[0]) || 0, v[1] * share)); });
        });
        return Array.from(best.entries());
      });
    });
  }

  /* `w` as indexed words, longest head first: [head, …, tail] or null. */
  function compoundSplit(m, w, heads, depth) {
    var splits = [];
    for (var i = w.length - 3; i >= 3; i--) {
      var head = w.slice(0, i), candidates = [head];
      if (/s$/.test(head) && head.length > 3) candidates.push(head.slice(0, -1));
      var hit = candidates.find(function (h) { return heads.set.has(h); });
      if (hit) splits.push([hit, w.slice(i)]);
    }
    function attempt(k) {
      if (k >= splits.length) return Promise.resolve(null);
      var rest = splits[k][1];
      return vocabulary(m, rest).then(function (tails) {
        var tail = [rest].concat(tailLemmas(rest)).find(function (t) { return tails.set.has(t); });
        if (tail) return [splits[k][0], tail];
        if (depth >= 2) return attempt(k + 1);
        return compoundSplit(m, rest, tails, depth + 1).then(function (more) {
          return more ? [splits[k][0]].concat(more) : attempt(k + 1);
        });
      });
    }
    return attempt(0);
  }

  /* An unknown word one Swedish inflection ending from a word of the corpus ("upphandlingskriterierna"
     → upphandlingskriterier, "solcell" → solcellerna) counts as that word, nearly in full, as the
     API's inflections do. */
  var ENDINGS = ["en", "et", "er", "ar", "or", "na", "erna", "arna", "orna", "n", "s"];
  function inflections(w) {
    if (w.length < 5 || /\d/.test(w)) return [];
    return tailLemmas(w).concat(ENDINGS.map(function (e) { return w + e; }));
  }

  function inflectedVariants(m, forms) {
    return Promise.all(forms.map(function (f) { return shardOf(m, f); })).then(function (shards) {
      var best = new Map();
      shards.forEach(function (sh, i) {
        var list = sh.w[forms[i]] !== undefined ? pairs(sh.w[forms[i]]) : [[forms[i], 1]];
        list.forEach(function (p) { best.set(p[0], Math.max(best.get(p[0]) || 0, p[1] * 0.9)); });
      });
      return Array.from(best.entries());
    });
  }

  /* "möbler" → "möbel": common Swedish plural/definite endings, checked against the vocabulary. */
  function tailLemmas(tail) {
    var out = [];
    [["erna", ""], ["arna", ""], ["orna", ""], ["er", ""], ["ar", ""], ["or", "a"], ["en", ""], ["et", ""],
     ["na", ""], ["n", ""], ["ler", "el"], ["rer", "er"], ["s", ""]].forEach(function (r) {
      if (tail.endsWith(r[0]) && tail.length - r[0].length >= 3) out.push(tail.slice(0, -r[0].length) + r[1]);
    });
    return out;
  }

  function closest(vocab, w) {
    if (w.length < 5) return [];
    var max = w.length >= 9 ? 2 : 1, best = [], bestD = max + 1;
    for (var i = 0; i < vocab.length; i++) {
      var t = vocab[i];
      if (t[0] !== w[0] || Math.abs(t.length - w.length) > max) continue;
      var d = distance(w, t, max);
      if (d < bestD) { bestD = d; best = [t]; } else if (d === bestD && best.length < 3) best.push(t);
    }
    return best;
  }

  function distance(a, b, max) {
    var prev = [], cur = [], i, j;
    for (j = 0; j <= b.length; j++) prev[j] = j;
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      var rowMin = i;
      for (j = 1; j <= b.length; j++) {
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (cur[j] < rowMin) rowMin = cur[j];
      }
      if (rowMin > max) return max + 1;
      prev = cur;
    }
    return prev[b.length];
  }

  function prefixVariants(m, w) {
    var p = w.replace(/\*+$/, "");
    return vocabulary(m, p).then(function (vocab) {
      var terms = vocab.list.filter(function (t) { return t.startsWith(p); }).slice(0, 40);
      return { list: terms.map(function (t) { return [t, t === p ? 1 : 0.6]; }) };
    });
  }

  function postings(m, key) {
    var bare = key.charAt(0) === "~" ? key.slice(1) : key;
    return shardOf(m, bare).then(function (sh) {
      var flat = sh.t[key];
      if (flat === undefined && key !== bare) flat = sh.t[bare]; // folded postings equal to the exact ones
      return flat || [];
    });
  }

  /* ------------------------------------------------------------ citations */
  /* "19 a kap", "LOU 19 kap 2 §", "SFS 2020:614", "lagen om offentlig upphandling 4 kap": read as
     kb.search.citations reads them, with its patterns, abbreviations and statutes from
     meta.citations. Returns null when the query cites nothing. */
  function matchAll(p, text) {
    var re = new RegExp(p.source, p.flags), out = [], x;
    while ((x = re.exec(text))) out.push(x);
    return out;
  }

  function findCitation(m, text) {
    var c = m.citations, found = { numbers: [], chapter: null, paragraph: null, spans: [] };
    function span(x) { found.spans.push([x.index, x.index + x[0].length]); }
    var chapter = matchAll(c.patterns.chapter, text)[0];
    if (chapter) { found.chapter = chapter[1] + (chapter[2] || "").toLowerCase(); span(chapter); }
    var paragraph = matchAll(c.patterns.paragraph, text)[0];
    if (paragraph && chapter) { found.paragraph = paragraph[1] + (paragraph[2] || "").toLowerCase(); span(paragraph); }
    matchAll(c.patterns.sfs, text).forEach(function (x) { found.numbers.push(x[1] + ":" + x[2]); span(x); });
    matchAll(c.patterns.abbreviation, text).forEach(function (x) {
      // lower-case two-letter words ("fl", "mb") are words too; only capitals cite them
      if (x[1].length > 2 || x[1] === x[1].toUpperCase()) { found.numbers.push(c.abbreviations[x[1].toLowerCase()]); span(x); }
    });
    if (!found.numbers.length && !found.chapter) return null;
    var folded = fold(text.toLowerCase());   /* laws cited by title; folding keeps the spans */
    c.statutes.forEach(function (st) {
      if (folded.indexOf(st[2]) < 0) return;
      matchAll(st[3], folded).forEach(function (x) {
        if (found.numbers.indexOf(st[0]) < 0) found.numbers.push(st[0]);
        span(x);
      });
    });
    return found;
  }

  function withoutSpans(text, spans) {
    spans.slice().sort(function (a, b) { return b[0] - a[0]; }).forEach(function (sp) {
      text = text.slice(0, sp[0]) + " " + text.slice(sp[1]);
    });
    return text.split(/\s+/).filter(Boolean).join(" ");
  }

  /* The cited sections as {section, doc, link} (a law without a chapter: its first section),
     and the cited SFS numbers the knowledge base does not hold. */
  function resolveCitation(m, cit) {
    var c = m.citations, byNumber = {};
    c.statutes.forEach(function (st) { byNumber[st[0]] = st[1]; });
    var missing = cit.numbers.filter(function (n) { return !(n in byNumber); });
    var laws = cit.numbers.filter(function (n) { return n in byNumber; }).map(function (n) { return byNumber[n]; });
    if (cit.numbers.length && !laws.length) return { targets: [], missing: missing };
    if (!laws.length) {
      laws = c.statutes.map(function (st) { return st[1]; })
        .sort(function (a, b) { return m.docs[a][0] < m.docs[b][0] ? -1 : 1; });
    }
    var targets = [];
    laws.forEach(function (di) {
      var sections = [];
      m.sections.forEach(function (sec, si) { if (sec[0] === di) sections.push(si); });
      if (!cit.chapter) {
        if (sections.length) targets.push({ section: sections[0], doc: di, link: m.sections[sections[0]][1] });
        return;
      }
      var anchor = "kap" + cit.chapter;
      var si = sections.find(function (k) { return m.sections[k][1] === anchor; });
      if (si === undefined) return;
      var paras = c.paragraphs[si] || [];
      var link = cit.paragraph && paras.indexOf(cit.paragraph) >= 0 ? anchor + "-" + cit.paragraph : anchor;
      targets.push({ section: si, doc: di, link: link });
    });
    return { targets: targets, missing: missing };
  }

  function citationNotice(cit, resolved) {
    if (resolved.missing.length) {
      return "Finns inte i kunskapsbanken: " + resolved.missing.map(function (n) { return "SFS " + n; }).join(", ") + ".";
    }
    if (cit.chapter && !resolved.targets.length) {
      var ch = cit.chapter, label = (/[a-z]$/.test(ch) ? ch.slice(0, -1) + " " + ch.slice(-1) : ch) + " kap.";
      return "Ingen författning i kunskapsbanken har ett " + label;
    }
    return null;
  }

  /* ------------------------------------------------------------ scoring */
  KB.staticSearch = function (q, limit, offset) {
    limit = limit || 20;
    offset = offset || 0;
    return meta().then(function (m) {
      FOLD = m.fold || {};
      MARK_ENDINGS = new Set([""].concat(m.inflection ? m.inflection.endings : []));
      var cleaned = q.split(/\s+/).filter(Boolean).join(" ");
      var cit = m.citations ? findCitation(m, cleaned) : null;
      var resolved = cit ? resolveCitation(m, cit) : { targets: [], missing: [] };
      var text = cit ? withoutSpans(cleaned, cit.spans) : cleaned;
      var bare = !!cit && !parse(m, text.replace(/^[ .,;:§]+|[ .,;:§]+$/g, "")).length;
      if (bare && resolved.targets.length) text = cleaned;  /* after its targets, the sections that mention it */
      var notice = cit ? citationNotice(cit, resolved) : null;
      var typed = parse(m, text), parts = contentParts(m, typed);
      var question = parts.length < typed.length;   /* it had question words ("hur", "får") */
      return Promise.all(parts.map(function (p) { return variants(m, p, question); })).then(function (vs) {
        var groups = [];
        vs.forEach(function (v, i) {
          if (v.stop) return;
          v.weight = parts[i].number ? m.number.weight : 1;
          v.coordination = parts[i].number ? m.number.coordination : 1;
          v.number = !!parts[i].number;   /* specificity, proximity and numbersLast leave numbers out */
          groups.push(v);
        });
        return Promise.all(groups.map(function (g) {
          return Promise.all(g.list.map(function (v) { return postings(m, v[0]); }));
        })).then(function (lists) {
          specificity(m, groups, lists);
          var scores = new Map(), matched = new Map();
          var worded = new Set(), held = new Set(), numberShare = new Map();   /* see numbersLast */
          lists.forEach(function (perVariant, gi) {
            var seen = new Set(), g = groups[gi];
            perVariant.forEach(function (flat, vi) {
              var weight = g.list[vi][1] * g.weight, half = flat.length / 2, sid = 0;
              var whole = g.list[vi][1] >= 0.85 * (g.list[vi][0].charAt(0) === "~" ? m.foldedWeight : 1);
              for (var k = 0; k < half; k++) {
                sid += flat[k];
                if (!g.number) { worded.add(sid); if (whole) held.add(sid); }
                else numberShare.set(sid, (numberShare.get(sid) || 0) + weight * flat[half + k] / m.scale);
                scores.set(sid, (scores.get(sid) || 0) + weight * flat[half + k] / m.scale);
                if (!seen.has(sid)) { seen.add(sid); matched.set(sid, (matched.get(sid) || 0) + g.coordination); }
              }
            });
          });
          var n = groups.reduce(function (a, g) { return a + g.coordination; }, 0), ranked = [];
          scores.forEach(function (s, sid) {
            if (worded.has(sid) && !held.has(sid)) s = Math.max(s - (numberShare.get(sid) || 0), 0);
            var power = KB.coordinationPower != null ? KB.coordinationPower : COORDINATION_POWER;
            var c = Math.pow((1 + (matched.get(sid) || 0)) / (1 + n), power);
            ranked.push([sid, s * (groups.length > 1 ? c : 1)]);
          });
          ranked.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
          var terms = groups.map(function (g) {   /* for snippets and proximity: the strong variants of each word */
            var strong = g.list.filter(function (v) { return v[1] >= 0.55; });
            return (strong.length ? strong : g.list).map(function (v) { return fold(v[0].replace(/^~/, "")); });
          });
          var near = [];   /* proximity: each content word's whole forms (its spelling, lemma, folded twin) */
          groups.forEach(function (g) {
            if (g.number) return;
            var whole = g.list.filter(function (v) { return v[1] >= 0.85 * (v[0].charAt(0) === "~" ? m.foldedWeight : 1); });
            near.push((whole.length ? whole : g.list).map(function (v) { return fold(v[0].replace(/^~/, "")); }));
          });
          return proximity(m, ranked, question ? near : []).then(function () {
            return feedback(m, question, groups, scores, matched, n, ranked, near);
          }).then(function (expanded) {
            if (expanded) ranked = expanded;
            ranked = numbersLast(diversify(m, ranked.slice(0, 200)), worded);
            var links = pin(m, cit, resolved.targets, bare ? [] : ranked);
            if (links.size) {
              var score = new Map(ranked);
              var first = Array.from(links.keys()).map(function (sid) { return [sid, score.get(sid) || 0]; })
                .sort(function (a, b) { return b[1] - a[1]; });
              var rest = ranked.filter(function (r) { return !links.has(r[0]); });
              ranked = above(first, rest.length ? rest[0][1] : 0).concat(rest);
            }
            return makeHits(m, ranked.slice(offset, offset + limit), terms, searchedForms(groups), links).then(function (hits) {
              return { mode: "static", engine: "kb", total: ranked.length, offset: offset, hits: hits, notice: notice };
            });
          });
        });
      });
    });
  };

  /* Specificity as the API's: in coordination each content word counts by the IDF of its
     commonest whole form (spelling or lemma), scaled to a mean of 1, so a section holding the
     rare word that names the need ("försäkran") beats one holding two common ones. */
  function specificity(m, groups, lists) {
    var content = [], idfs = [], n = m.sections.length;
    groups.forEach(function (g, gi) {
      if (g.number) return;
      var df = 0;
      g.list.forEach(function (v, vi) {
        if (v[0].charAt(0) !== "~" && v[1] >= 0.85) df = Math.max(df, lists[gi][vi].length / 2);
      });
      if (!df && !KB.noFallbackSpecificity) df = fallbackFrequency(m, g.list, lists[gi]);
      content.push(g);
      idfs.push(Math.log(1 + n / (df || n)));
    });
    if (content.length < 2) return;
    var mean = idfs.reduce(function (a, b) { return a + b; }, 0) / idfs.length || 1;
    content.forEach(function (g, i) { g.coordination = idfs[i] / mean; });
  }

  /* The section count of a word the texts do not spell so, as the API's coordination query
     counts it: its folded whole forms ("lange" typed for "länge"; the API's index holds the
     folded twin in the same field), else its compound parts ("kontorsmöbler": kontor, möbel). */
  function fallbackFrequency(m, list, perVariant) {
    var folded = 0, parts = 0;
    list.forEach(function (v, vi) {
      var df = perVariant[vi].length / 2;
      if (v[0].charAt(0) === "~") { if (v[1] >= 0.85 * m.foldedWeight) folded = Math.max(folded, df); }
      else parts = Math.max(parts, df);
    });
    return folded || parts;
  }

  /* Proximity as kb.search.proximity: among the best sections (meta.proximity.pool, the texts the
     first page of hits loads anyway), one whose content words stand within meta.proximity.window
     words of each other (stop words do not count) scores up to 1 + gain times more. Sorts
     `ranked` again in place. */
  function proximity(m, ranked, groupTerms) {   /* KB.noProximity = true: without it, for measuring */
    var p = m.proximity, n = groupTerms.length;
    if (!p || n < 2 || KB.noProximity) return Promise.resolve();
    var pool = ranked.slice(0, p.pool);
    return Promise.all(pool.map(function (r) { return sectionText(m, r[0]); })).then(function (texts) {
      var stop = KB._stop || (KB._stop = new Set(m.stop || []));
      pool.forEach(function (r, i) {
        var together = bestWindow(m, texts[i], groupTerms, stop, p.window);
        r[1] *= 1 + p.gain * Math.max(together - 1, 0) / (n - 1);
      });
      ranked.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    });
  }

  function bestWindow(m, text, groupTerms, stop, window) {
    var hits = [], pos = 0, memo = new Map();
    KB.tokens(m, text).forEach(function (t) {
      if (stop.has(t.text)) return;
      var found = memo.get(t.text);
      if (found === undefined) {
        found = [];
        var f = fold(t.text);
        groupTerms.forEach(function (terms, gi) {
          if (terms.some(function (w) { return f === w || (w.length >= 4 && f.startsWith(w)); })) found.push(gi);
        });
        memo.set(t.text, found);
      }
      found.forEach(function (gi) { hits.push([pos, gi]); });
      pos++;
    });
    var best = 0, start = 0, counts = new Map();
    hits.forEach(function (h) {
      counts.set(h[1], (counts.get(h[1]) || 0) + 1);
      while (h[0] - hits[start][0] >= window) {
        var old = hits[start][1], c = counts.get(old) - 1;
        if (c) counts.set(old, c); else counts.delete(old);
        start++;
      }
      best = Math.max(best, counts.size);
    });
    return best;
  }

  function sectionText(m, sid) {
    return json("x/" + Math.floor(sid / m.textShard) + ".json").then(function (list) { return list[sid % m.textShard] || ""; });
  }

  /* ------------------------------------------------------------ feedback */
  /* Pseudo-relevance feedback as kb.search.feedback (its numbers in meta.feedback, from
     feedback_settings()): a question (it had fillers) of at least min_content_words content words
     borrows the words that stand in min_shared of its best `sections` sections, scored by their
     share of each section times their IDF (f/<section>.json, kb.site.static_feedback), skipping the
     question's own words and the lemmas of words taken already. The borrowed words score in the
     body only (f/p<shard>.json) at up to `weight` times a query word, scaled by `weightScale` to
     these scores (kb.site.static_feedback); coordination and proximity count only the question's words.
     Returns the new ranking, or null when the question is not expanded. */
  function feedback(m, question, groups, scores, matched, n, ranked, near) {   /* KB.noFeedback: without it */
    var f = m.feedback;
    var content = groups.filter(function (g) { return !g.number; }).length;
    if (!f || KB.noFeedback || !question || content < f.min_content_words || !ranked.length) return Promise.resolve(null);
    var best = ranked.slice(0, f.sections);
    return Promise.all(best.map(function (r) {
      return Promise.all([sectionText(m, r[0]), json(f.dir + "/" + r[0] + ".json")]);
    })).then(function (loaded) {
      var exclude = new Set();
      groups.forEach(function (g) { g.list.forEach(function (v) { exclude.add(v[0].replace(/^~/, "")); }); });
      var borrowed = feedbackTerms(f, loaded, exclude);
      if (!borrowed.length) return null;
      return Promise.all(borrowed.map(function (b) {   /* body only, as the API (kb.site.static_feedback) */
        return json(f.dir + "/p" + (fnv1a(b[0]) % m.shards) + ".json").then(function (sh) { return sh[b[0]] || []; });
      })).then(function (lists) {
        var total = new Map(scores);
        lists.forEach(function (flat, bi) {
          var scale = KB.feedbackWeightScale != null ? KB.feedbackWeightScale : f.weightScale;   /* for measuring */
          var weight = borrowed[bi][1] * f.weight * scale, half = flat.length / 2, sid = 0;
          for (var k = 0; k < half; k++) {
            sid += flat[k];
            total.set(sid, (total.get(sid) || 0) + weight * flat[half + k] / f.scale);
          }
        });
        var out = [], power = KB.coordinationPower != null ? KB.coordinationPower : COORDINATION_POWER;
        total.forEach(function (s, sid) {   /* the coordination of staticSearch: the question's words only */
          var c = Math.pow((1 + (matched.get(sid) || 0)) / (1 + n), power);
          out.push([sid, s * (groups.length > 1 ? c : 1)]);
        });
        out.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
        return proximity(m, out, near).then(function () { return out; });
      });
    }).catch(function () { return null; });   /* a feedback file missing: the question unexpanded */
  }

  /* [[word, weight in 0..1], …] best first, as kb.search.feedback.feedback_terms; `loaded`: per
     feedback section, [its text, its f/ file]; `exclude`: a Set of the question's words and variants.
     Public for tests/test_static_search_feedback.py, which holds it equal to the Python. */
  var feedbackTerms = KB.feedbackTerms = function (f, loaded, exclude) {
    var re = new RegExp(f.word.source, f.word.flags), counts = [], holders = new Map(), info = new Map();
    loaded.forEach(function (x) {
      var words = x[0].slice(0, f.max_chars).toLowerCase().match(re) || [], count = new Map();
      if (!words.length) return;
      words.forEach(function (w) { count.set(w, (count.get(w) || 0) + 1); });
      count.forEach(function (c, w) { holders.set(w, (holders.get(w) || 0) + 1); });
      counts.push([count, words.length]);
      Object.keys(x[1]).forEach(function (w) { info.set(w, x[1][w]); });
    });
    var scored = [];
    holders.forEach(function (h, w) {
      var entry = info.get(w);
      if (h < f.min_shared || exclude.has(w) || entry === undefined) return;
      var share = 0;
      counts.forEach(function (c) { share += (c[0].get(w) || 0) / c[1]; });
      scored.push([share * (typeof entry === "number" ? entry : entry[0]), w]);
    });
    scored.sort(function (a, b) { return b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0); });
    var out = [], taken = new Set(exclude);
    for (var i = 0; i < scored.length && out.length < f.terms; i++) {
      var w = scored[i][1], entry = info.get(w), forms = typeof entry === "number" ? [w] : [w].concat(entry.slice(1));
      if (forms.some(function (x) { return taken.has(x); })) continue;
      forms.forEach(function (x) { taken.add(x); });
      out.push([w, scored[i][0]]);
    }
    return out.map(function (b) { return [b[0], b[1] / out[0][1]]; });
  };

  /* The cited sections to show first → their link anchors ("" for the section's own). A law
     cited without a chapter ("LOU direktupphandling") pins its best-ranked section for the
     other words, or its first section when they find nothing in it (kb.search.searcher). */
  function pin(m, cit, targets, ranked) {
    var links = new Map();
    targets.forEach(function (t) {
      if (cit.chapter) { links.set(t.section, t.link); return; }
      var best = ranked.find(function (r) { return m.sections[r[0]][0] === t.doc; });
      if (best) links.set(best[0], ""); else links.set(t.section, t.link);
    });
    return links;
  }

  function diversify(m, ranked) {
    var seen = new Map();
    return ranked.map(function (r) {
      var doc = m.sections[r[0]][0], k = seen.get(doc) || 0;
      seen.set(doc, k + 1);
      return [r[0], r[1] * Math.pow(DIVERSIFY_DECAY, k)];
    }).sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
  }

  /* As kb.search.searcher.numbers_beside_words and kb.search.ranking.diversify: a query's numbers
     ("2025") count only in sections holding one of its words (a section holding only a compound's
     part of them gets nothing for the number, above), and a section holding only the numbers
     comes after every section holding a word, its score scaled below theirs. */
  function numbersLast(ranked, worded) {
    var rest = ranked.filter(function (r) { return worded.has(r[0]); });
    if (!rest.length || rest.length === ranked.length) return ranked;
    var floor = rest[rest.length - 1][1], numbers = ranked.filter(function (r) { return !worded.has(r[0]); });
    var scale = numbers[0][1] >= floor && numbers[0][1] > 0 ? 0.5 * floor / numbers[0][1] : 1;
    return rest.concat(numbers.map(function (r) { return [r[0], r[1] * scale]; }));
  }

  /* As kb.search.ranking.above: pinned hits' scores follow their order, above the next hit's. */
  function above(pinned, next) {
    var floor = next;
    return pinned.slice().reverse().map(function (r) {
      floor = Math.max(r[1], floor * 1.01 + 0.01);
      return [r[0], floor];
    }).reverse();
  }

  function makeHits(m, ranked, terms, marks, links) {
    var shards = {};
    ranked.forEach(function (r) { shards[Math.floor(r[0] / m.textShard)] = true; });
    var keys = Object.keys(shards);
    return Promise.all(keys.map(function (k) { return json("x/" + k + ".json"); })).then(function (loaded) {
      var texts = {};
      keys.forEach(function (k, i) { texts[k] = loaded[i]; });
      return ranked.map(function (r) {
        var sec = m.sections[r[0]], d = m.docs[sec[0]];
        var text = texts[Math.floor(r[0] / m.textShard)][r[0] % m.textShard] || "";
        return {
          title: d[1], section: sec[2] === d[1] ? "" : sec[2], doc_id: d[0], anchor: sec[1],
          url: KB.docUrl(d[0], links.get(r[0]) || sec[1]), source: d[2], publisher: d[3], type: d[4], date: d[5], tags: d[6],
          snippetHtml: snippet(m, text, terms, marks), score: Math.round(r[1] * 1000) / 1000
        };
      });
    });
  }

  /* ------------------------------------------------------------ snippets */
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* Whether a folded word (a token's key) is one of `terms` or holds one as a compound part: the
     term starts the word before another part or an inflection ending ("gräns" in gränssnitt,
     gränsen), or follows a part of three letters or more ("upphandling" in
     ramavtalsupphandlingen), as the API's analysis would split it; not "gräns" in begränsa or
     "direkt" in ägardirektiv. Numbers match only whole ("2025", not 2025:631). */
  function matches(f, terms) {
    return terms.some(function (t) {
      if (t.length < 3) return false;
      if (f === t) return true;
      if (t.length < 4 || /^[0-9]/.test(t)) return false;
      for (var at = f.indexOf(t); at >= 0; at = f.indexOf(t, at + 1)) {
        var rest = f.slice(at + t.length);
        if ((at === 0 || at >= 3) && (rest.length >= 3 || MARK_ENDINGS.has(rest))) return true;
      }
      return false;
    });
  }

  /* Every form each query word looked up, folded: its spelling, lemma, folded and inflected
     forms, compound parts and closest spellings. A snippet marks each of them, as the API's
     snippets mark every matched form (kb.search.snippets.concepts_of), so "direktupphandling" is
     marked for "direktupphandlingsgräns". */
  function searchedForms(groups) {
    return groups.map(function (g) {
      return g.list.map(function (v) { return fold(v[0].replace(/^~/, "")); });
    });
  }

  /* The words of a text as the index cuts them (meta.tokens, keyed as KB.tokens keys them), with
     their places: {start, end, keys}; keys are the token's folded forms ("19 a" → 19a;
     "e-handel" → e, handel, ehandel), so a snippet marks the words the search looked up. */
  function textWords(m, text) {
    var re = new RegExp(m.tokens.source, m.tokens.flags), out = [], g;
    while ((g = re.exec(text))) {
      if (!g[0].length) { re.lastIndex++; continue; }
      var k = g.groups, keys;
      if (k.sec !== undefined) keys = [k.sec.slice(0, -2) + k.sec.slice(-1)];
      else if (k.word !== undefined) {
        keys = k.word.split("-");
        if (keys.length > 1) keys.push(keys.join(""));
      } else keys = [g[0]];
      out.push({ start: g.index, end: g.index + g[0].length - (k.open ? 1 : 0), keys: keys });
    }
    return out;
  }

  /* For a word of the text: the query words whose strong variants it is (`strong`, indexes of
     `termGroups`) and those any of whose looked-up forms it is (`any`, of `markGroups`); one
     answer per spelling, as a text repeats its words. */
  function wordMatcher(termGroups, markGroups) {
    var seen = new Map();
    function groupsOf(keys, groups) {
      var out = [];
      groups.forEach(function (g, gi) { if (keys.some(function (f) { return matches(f, g); })) out.push(gi); });
      return out;
    }
    return function (word) {
      var id = word.keys.join(" "), found = seen.get(id);
      if (!found) {
        var keys = word.keys.map(function (k) { return fold(k.toLowerCase()); });
        found = { strong: groupsOf(keys, termGroups), any: groupsOf(keys, markGroups) };
        seen.set(id, found);
      }
      return found;
    };
  }

  /* `text` as HTML with each word that matched a looked-up form in <mark>. */
  function markWords(m, text, match) {
    var html = "", last = 0;
    textWords(m, text).forEach(function (w) {
      if (!match(w).any.length) return;
      html += escapeHtml(text.slice(last, w.start)) + "<mark>" + escapeHtml(text.slice(w.start, w.end)) + "</mark>";
      last = w.end;
    });
    return html + escapeHtml(text.slice(last));
  }

  /* The sentence matching most query words by their strong variants (`termGroups`), then by any
     form they looked up (`markGroups`), then the earliest; every looked-up form marked. */
  function snippet(m, text, termGroups, markGroups, max) {
    max = max || 240;
    var match = wordMatcher(termGroups, markGroups);
    var sentences = text.split(/(?<=[.!?:])\s+|\n+/).filter(Boolean);
    var best = 0, bestScore = -1;
    sentences.forEach(function (s, i) {
      var strong = new Set(), any = new Set(), hits = 0;
      textWords(m, s).forEach(function (w) {
        var found = match(w);
        found.strong.forEach(function (gi) { strong.add(gi); hits++; });
        found.any.forEach(function (gi) { any.add(gi); });
      });
      var score = strong.size * 10 + any.size * 2 - i * 0.05 - (s.length > 400 ? 3 : 0) - (hits || any.size ? 0 : 1);
      if (score > bestScore) { bestScore = score; best = i; }
    });
    var out = sentences[best] || "";
    for (var j = best + 1; out.length < max * 0.6 && j < sentences.length; j++) out += " " + sentences[j];
    if (out.length > max) {
      var firstHit = -1;
      textWords(m, out).some(function (w) {
        if (match(w).any.length) { firstHit = w.start; return true; }
        return false;
      });
      var start = firstHit > max / 2 ? out.lastIndexOf(" ", Math.max(0, firstHit - 60)) + 1 : 0;
      out = (start > 0 ? "\u2026" : "") + out.slice(start, start + max).replace(/\s\S*$/, "") + "\u2026";
    }
    return markWords(m, out, match);
  }
})();
