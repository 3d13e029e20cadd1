/* The compiled text helpers of the analysis and the snippets: a Latin-1 value's tokens
 * (``kb.analysis.fast``) and the word runs a snippet marks (``kb.search.snippets``).
 *
 * They work on text alone and know nothing of the index, so they live with the analysis (the
 * stage before the engine) rather than in ``kb/engine/native.c``. Each has a Python twin that
 * the tests compare it with (``tests/test_native_savings.py``, ``tests/test_snippets_native.py``,
 * ``tests/test_build_stream.py``); ``benchmarks/native_savings.py`` measures what each saves.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* ---- snippets: the runs of word characters that hold a term's first letters
 *
 * Why compiled: Python makes two folded copies of each hit's text and a call per needle occurrence
 * and per run; one pass here, on every search's ten snippets.
 */

typedef struct {
    Py_ssize_t start, end;
} Run;

typedef struct {
    Run *items;
    Py_ssize_t count, cap;
} Runs;

static int run_order(const void *a, const void *b) {
    const Run *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* Adds the run of word characters around ``at`` and returns its end. When ``at`` is no word
 * character the run ends there (empty when the byte before is none either). */
static Py_ssize_t add_run(Runs *runs, const unsigned char *text, Py_ssize_t n, const unsigned char *is_word,
                          Py_ssize_t at) {
    Py_ssize_t start = at, end = at;
    while (start > 0 && is_word[text[start - 1]])
        start--;
    while (end < n && is_word[text[end]])
        end++;
    if (runs->count == runs->cap) {
        Py_ssize_t cap = runs->cap ? runs->cap * 2 : 32;
        Run *items = PyMem_Realloc(runs->items, cap * sizeof(Run));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        runs->items = items;
        runs->cap = cap;
    }
    runs->items[runs->count].start = start;
    runs->items[runs->count].end = end;
    runs->count++;
    return end;
}

static PyObject *word_runs(PyObject *self, PyObject *args) {
    Py_buffer raw, fold, word;
    PyObject *needles, *extra, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*O!O!", &raw, &fold, &word, &PyTuple_Type, &needles, &PyList_Type, &extra))
        return NULL;
    Runs runs = {NULL, 0, 0};
    unsigned char *folded = NULL;
    if (fold.len != 256 || word.len != 256) {
        PyErr_SetString(PyExc_ValueError, "word_runs: the fold and word tables must be 256 bytes each");
        goto done;
    }
    const unsigned char *text = raw.buf, *fold_of = fold.buf, *is_word = word.buf;
    Py_ssize_t n = raw.len;
    folded = PyMem_Malloc(n ? n : 1);
    if (folded == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        folded[i] = fold_of[text[i]];
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(needles); k++) {
        PyObject *needle = PyTuple_GET_ITEM(needles, k);
        if (!PyBytes_Check(needle) || PyBytes_GET_SIZE(needle) == 0) {
            PyErr_SetString(PyExc_TypeError, "word_runs: each needle must be non-empty bytes");
            goto done;
        }
        const unsigned char *want = (const unsigned char *)PyBytes_AS_STRING(needle);
        Py_ssize_t m = PyBytes_GET_SIZE(needle), pos = 0;
        while (pos + m <= n) {
            const unsigned char *hit = memchr(folded + pos, want[0], (size_t)(n - m + 1 - pos));
            if (hit == NULL)
                break;
            Py_ssize_t at = hit - folded;
            if (memcmp(hit, want, (size_t)m) != 0) {
                pos = at + 1;
                continue;
            }
            Py_ssize_t end = add_run(&runs, text, n, is_word, at);
            if (end < 0)
                goto done;
            pos = end > at ? end : at + 1; /* later occurrences inside this run give the same run */
        }
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(extra); k++) {
        Py_ssize_t at = PyLong_AsSsize_t(PyList_GET_ITEM(extra, k));
        if (at == -1 && PyErr_Occurred())
            goto done;
        if (at < 0 || at >= n) {
            PyErr_SetString(PyExc_ValueError, "word_runs: an extra position lies outside the text");
            goto done;
        }
        if (add_run(&runs, text, n, is_word, at) < 0)
            goto done;
    }
    if (runs.count > 1)
        qsort(runs.items, (size_t)runs.count, sizeof(Run), run_order);
    result = PyList_New(0);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < runs.count; i++) {
        Run r = runs.items[i];
        if (i > 0 && r.start == runs.items[i - 1].start)
            continue; /* the run already listed (an empty one is kept: "?" may widen it) */
        PyObject *pair = Py_BuildValue("(nn)", r.start, r.end);
        if (pair == NULL || PyList_Append(result, pair) < 0) {
            Py_XDECREF(pair);
            Py_CLEAR(result);
            goto done;
        }
        Py_DECREF(pair);
    }
done:
    PyMem_Free(folded);
    PyMem_Free(runs.items);
    PyBuffer_Release(&raw);
    PyBuffer_Release(&fold);
    PyBuffer_Release(&word);
    return result;
}

/* ---- tokens of a Latin-1 value: ``kb.analysis.fast.LATIN1_TOKEN_RE.findall(value.lower())``
 *
 * Why compiled: every field value of a build is tokenized, and one pass over its bytes with class
 * tables does without the lower-cased copy and the regex's lookaheads and backtracking.
 * The alternatives of the regex, in its order (the classes come from Python's own regex classes, as ``classes`` bits):
 *   1. a letter, then word characters, not followed by "-"
 *   2. digits, a space or no-break space, a letter a-e, then no word character and no "-"
 *   3. digits, then groups of [:,.] and digits, then no word character (the groups backtrack)
 *   4. word characters not followed by "-"
 *   5. word characters joined by single hyphens, and an open hyphen at the end
 */

enum { CLASS_WORD = 1, CLASS_LETTER = 2, CLASS_DIGIT = 4 };

static PyObject *latin1_tokens(PyObject *self, PyObject *args) {
    PyObject *value, *tokens = NULL, *result = NULL;
    Py_buffer lower, classes;
    if (!PyArg_ParseTuple(args, "Uy*y*", &value, &lower, &classes))
        return NULL;
    unsigned char *s = NULL;
    if (lower.len != 256 || classes.len != 256) {
        PyErr_SetString(PyExc_ValueError, "latin1_tokens: the lower and classes tables must be 256 bytes each");
        goto done;
    }
    if (PyUnicode_KIND(value) != PyUnicode_1BYTE_KIND) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    const unsigned char *to_lower = lower.buf, *cls = classes.buf;
    const Py_UCS1 *src = PyUnicode_1BYTE_DATA(value);
    Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    s = PyMem_Malloc((size_t)n + 1);
    if (s == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        s[i] = to_lower[src[i]];
    s[n] = 0; /* a sentinel of no class: every run stops there */
    if (cls[0] != 0) {
        PyErr_SetString(PyExc_ValueError, "latin1_tokens: NUL must have no class");
        goto done;
    }
    int events = 0; /* a hyphen, or "<digit> a" (kb.analysis.fast's section hint): the caller's slower path */
    for (Py_ssize_t i = 0; i < n && !events; i++) {
        if (s[i] == '-')
            events = 1;
        else if ((cls[s[i]] & CLASS_DIGIT) && i + 2 < n && (s[i + 1] == ' ' || s[i + 1] == 0xA0) && s[i + 2] >= 'a' &&
                 s[i + 2] <= 'e')
            events = 1;
    }
    tokens = PyList_New(0);
    if (tokens == NULL)
        goto done;
    Py_ssize_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (!(cls[c] & CLASS_WORD)) {
            i++;
            continue;
        }
        Py_ssize_t j = i, end = -1;
        while (cls[s[j]] & CLASS_WORD)
            j++;
        if (cls[c] & CLASS_LETTER) {
            if (s[j] != '-')
                end = j; /* 1 */
        } else if (cls[c] & CLASS_DIGIT) {
            Py_ssize_t k = i;
            while (cls[s[k]] & CLASS_DIGIT)
                k++;
            if ((s[k] == ' ' || s[k] == 0xA0) && ((s[k + 1] >= 'a' && s[k + 1] <= 'e') || (s[k + 1] >= 'A' && s[k + 1] <= 'E')) &&
                !(cls[s[k + 2]] & CLASS_WORD) && s[k + 2] != '-')
                end = k + 2; /* 2 (s[k + 1] is a letter, so k + 2 <= n) */
            if (end < 0) {
                Py_ssize_t p = k, last = -1, before = -1;
                while ((s[p] == ':' || s[p] == ',' || s[p] == '.') && (cls[s[p + 1]] & CLASS_DIGIT)) {
                    before = last;
                    p++;
                    while (cls[s[p]] & CLASS_DIGIT)
                        p++;
                    last = p;
                }
                if (last >= 0 && !(cls[s[last]] & CLASS_WORD))
                    end = last; /* 3, every group */
                else if (before >= 0)
                    end = before; /* 3, all but the last group: a separator follows */
            }
        }
        if (end < 0 && s[j] != '-')
            end = j; /* 4 */
        if (end < 0) { /* 5 */
            end = j;
            while (s[end] == '-' && (cls[s[end + 1]] & CLASS_WORD)) {
                end++;
                while (cls[s[end]] & CLASS_WORD)
                    end++;
            }
            if (s[end] == '-')
                end++;
        }
        PyObject *token = PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, s + i, end - i);
        if (token == NULL || PyList_Append(tokens, token) < 0) {
            Py_XDECREF(token);
            goto done;
        }
        Py_DECREF(token);
        i = end;
    }
    result = Py_BuildValue("(OO)", tokens, events ? Py_True : Py_False);
done:
    Py_XDECREF(tokens);
    PyMem_Free(s);
    PyBuffer_Release(&lower);
    PyBuffer_Release(&classes);
    return result;
}

static PyMethodDef methods[] = {
    {"word_runs", word_runs, METH_VARARGS,
     "word_runs(raw, fold, word, needles, extra) -> [(start, end), ...]: in ascending order, each run of word "
     "characters of ``raw`` (``word[byte]`` non-zero) that holds an occurrence of a needle in the text folded "
     "by the ``fold`` table, or one of the ``extra`` positions."},
    {"latin1_tokens", latin1_tokens, METH_VARARGS,
     "latin1_tokens(value, lower, classes) -> (tokens, needs_events) or None: "
     "kb.analysis.fast.LATIN1_TOKEN_RE.findall(value.lower()) for a value whose characters are all Latin-1 "
     "(None otherwise), and whether it holds a hyphen or a section hint."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "kb.analysis.native_text",
                                    "Compiled text helpers of the fast tokenizer (kb.analysis.fast) and the snippets "
                                    "(kb.search.snippets).",
                                    -1, methods};

PyMODINIT_FUNC PyInit_native_text(void) { return PyModule_Create(&module); }
