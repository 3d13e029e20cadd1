/* Whoosh 3 postings blocks of many terms at once: the compiled twin of
 * ``kb.engine.segment.encode_terms_python`` (``_FieldOutput.several`` over ``position_values``).
 *
 * Why compiled: in Python every block needs its tuples and every posting its objects only to be
 * pickled, and that glue plus ``pickle.dumps`` was the largest part of the bulk writer's time;
 * here the pickles are written byte by byte without those objects (protocol 3 for block data, 2
 * for block infos and position lists, memo opcodes included, exactly as CPython's pickler writes
 * them for these objects). What Python does cheaply stays in Python: zlib is called through
 * ``zlib.compress`` and each term's total weight comes in from ``sum()``
 * (``kb.engine.segment.term_totals``). ``tests/test_segment_native.py`` checks the bytes against
 * the Python path; ``benchmarks/native_savings.py`` measures what each function here saves.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* ---- a growable byte buffer */

typedef struct {
    char *data;
    Py_ssize_t size;
    Py_ssize_t cap;
} Buf;

static int buf_reserve(Buf *b, Py_ssize_t extra) {
    if (b->size + extra <= b->cap)
        return 0;
    Py_ssize_t cap = b->cap ? b->cap : 256;
    while (cap < b->size + extra)
        cap *= 2;
    char *data = PyMem_Realloc(b->data, cap);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

static int buf_put(Buf *b, const void *src, Py_ssize_t n) {
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->size, src, n);
    b->size += n;
    return 0;
}

static int buf_byte(Buf *b, unsigned char c) { return buf_put(b, &c, 1); }

static void be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void be64(unsigned char *p, uint64_t v) {
    be32(p, (uint32_t)(v >> 32));
    be32(p + 4, (uint32_t)v);
}

static void le32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* ---- pickle opcodes, as CPython's C pickler writes them */

#define P_MARK '('
#define P_STOP '.'
#define P_NONE 'N'
#define P_BININT 'J'
#define P_BININT1 'K'
#define P_BININT2 'M'
#define P_LONG1 '\x8a'
#define P_BINFLOAT 'G'
#define P_SHORT_BINBYTES 'C'
#define P_BINBYTES 'B'
#define P_TUPLE 't'
#define P_EMPTY_TUPLE ')'
#define P_TUPLE1 '\x85'
#define P_TUPLE2 '\x86'
#define P_TUPLE3 '\x87'
#define P_EMPTY_LIST ']'
#define P_APPEND 'a'
#define P_APPENDS 'e'
#define P_BINPUT 'q'
#define P_LONG_BINPUT 'r'
#define P_BINGET 'h'
#define P_LONG_BINGET 'j'
#define P_PROTO '\x80'
#define BATCHSIZE 1000

static int pk_int(Buf *b, int64_t v) {
    unsigned char d[10];
    if (v >= -0x80000000LL && v <= 0x7fffffffLL) {
        uint32_t u = (uint32_t)v;
        le32(d + 1, u);
        if (d[4] != 0 || d[3] != 0) {
            d[0] = P_BININT;
            return buf_put(b, d, 5);
        }
        if (d[2] != 0) {
            d[0] = P_BININT2;
            return buf_put(b, d, 3);
        }
        d[0] = P_BININT1;
        return buf_put(b, d, 2);
    }
    if (v < 0) { /* never here: document numbers, positions and counts */
        PyErr_SetString(PyExc_OverflowError, "negative value beyond 32 bits in a postings block");
        return -1;
    }
    /* LONG1: little-endian two's complement, (bit length // 8) + 1 bytes */
    int nbits = 0;
    for (uint64_t u = (uint64_t)v; u; u >>= 1)
        nbits++;
    int n = (nbits >> 3) + 1;
    d[0] = P_LONG1;
    d[1] = (unsigned char)n;
    for (int i = 0; i < n; i++)
        d[2 + i] = i < 8 ? (unsigned char)((uint64_t)v >> (8 * i)) : 0;
    return buf_put(b, d, 2 + n);
}

static int pk_float(Buf *b, double x) {
    unsigned char d[9];
    uint64_t bits;
    memcpy(&bits, &x, 8);
    d[0] = P_BINFLOAT;
    be64(d + 1, bits);
    return buf_put(b, d, 9);
}

static int pk_memo(Buf *b, unsigned char short_op, unsigned char long_op, Py_ssize_t index) {
    unsigned char d[5];
    if (index < 256) {
        d[0] = short_op;
        d[1] = (unsigned char)index;
        return buf_put(b, d, 2);
    }
    d[0] = long_op;
    le32(d + 1, (uint32_t)index);
    return buf_put(b, d, 5);
}

/* The opening of a tuple of n items (its items follow) and its closing with the memo put. */
static int pk_tuple_open(Buf *b, Py_ssize_t n) { return n > 3 ? buf_byte(b, P_MARK) : 0; }

static int pk_tuple_close(Buf *b, Py_ssize_t n, Py_ssize_t *memo) {
    static const unsigned char ops[4] = {P_EMPTY_TUPLE, P_TUPLE1, P_TUPLE2, P_TUPLE3};
    if (n == 0)
        return buf_byte(b, P_EMPTY_TUPLE); /* the empty tuple is not memoized */
    if (buf_byte(b, n > 3 ? P_TUPLE : ops[n]) < 0)
        return -1;
    return pk_memo(b, P_BINPUT, P_LONG_BINPUT, (*memo)++);
}

static int pk_bytes(Buf *b, const char *data, Py_ssize_t n, Py_ssize_t *memo) {
    unsigned char d[5];
    if (n <= 0xff) {
        d[0] = P_SHORT_BINBYTES;
        d[1] = (unsigned char)n;
        if (buf_put(b, d, 2) < 0)
            return -1;
    } else {
        d[0] = P_BINBYTES;
        le32(d + 1, (uint32_t)n);
        if (buf_put(b, d, 5) < 0)
            return -1;
    }
    if (buf_put(b, data, n) < 0)
        return -1;
    return pk_memo(b, P_BINPUT, P_LONG_BINPUT, (*memo)++);
}

/* ``Positions.encode(positions)``: pack_uint(n) + pickle (protocol 2) of the list of deltas. */
static int position_value(Buf *b, const int64_t *pos, Py_ssize_t n) {
    unsigned char d[4];
    be32(d, (uint32_t)n);
    if (buf_put(b, d, 4) < 0)
        return -1;
    const unsigned char head[5] = {P_PROTO, 2, P_EMPTY_LIST, P_BINPUT, 0};
    if (buf_put(b, head, 5) < 0)
        return -1;
    if (n == 1) {
        if (pk_int(b, pos[0]) < 0 || buf_byte(b, P_APPEND) < 0)
            return -1;
    } else if (n > 1) {
        int64_t last = 0;
        for (Py_ssize_t i = 0; i < n; i += BATCHSIZE) {
            Py_ssize_t end = i + BATCHSIZE < n ? i + BATCHSIZE : n;
            if (buf_byte(b, P_MARK) < 0)
                return -1;
            for (Py_ssize_t j = i; j < end; j++) {
                if (pk_int(b, pos[j] - last) < 0)
                    return -1;
                last = pos[j];
            }
            if (buf_byte(b, P_APPENDS) < 0)
                return -1;
        }
    }
    return buf_byte(b, P_STOP);
}

/* ---- field length bytes */

typedef struct {
    const uint8_t *table; /* length_to_byte for lengths below ``size``; 255 from there */
    Py_ssize_t size;
} LengthBytes;

static int length_byte(const LengthBytes *lb, int64_t length) {
    if (length <= 0)
        return 0;
    return length < lb->size ? lb->table[length] : 255;
}

/* ---- one term's blocks */

typedef struct {
    const int64_t *docs, *lens, *npos, *positions, *starts;
    const double *weights, *w32;
    LengthBytes lb;
    Py_ssize_t limit;
    int compression;
    Py_ssize_t min_size;
    PyObject *compress; /* zlib.compress */
    const char *magic;  /* the 4 bytes before a term's blocks */
    Py_ssize_t npositions;
} Input;

/* Memo indexes of one-position values already in a block's pickle, by position: the Python
 * path shares one bytes object per position, so a repeat is a memo get, not a new value. */
typedef struct {
    int64_t *key;
    Py_ssize_t *memo;
    unsigned char *used;
    int bits; /* 2 ** bits slots, at least twice a block's postings */
} Seen;

static Py_ssize_t *seen_slot(Seen *s, int64_t position) {
    uint64_t mask = ((uint64_t)1 << s->bits) - 1;
    uint64_t h = ((uint64_t)position * 0x9E3779B97F4A7C15ULL) >> (64 - s->bits);
    while (s->used[h] && s->key[h] != position)
        h = (h + 1) & mask;
    if (!s->used[h]) {
        s->used[h] = 1;
        s->key[h] = position;
        s->memo[h] = -1;
    }
    return &s->memo[h];
}

/* The data pickle of postings [a, b): ((doc deltas), weights, (position values)). */
static int block_data(Buf *d, const Input *in, Py_ssize_t a, Py_ssize_t b, Seen *seen) {
    Py_ssize_t n = b - a, memo = 0;
    const unsigned char head[2] = {P_PROTO, 3};
    if (buf_put(d, head, 2) < 0 || pk_tuple_open(d, n) < 0)
        return -1;
    for (Py_ssize_t i = a; i < b; i++)
        if (pk_int(d, in->docs[i] - (i > a ? in->docs[i - 1] : 0)) < 0)
            return -1;
    if (pk_tuple_close(d, n, &memo) < 0)
        return -1;
    double first = in->w32[a];
    int all_first = 1;
    for (Py_ssize_t i = a + 1; i < b && all_first; i++)
        all_first = in->w32[i] == first;
    if (all_first && first == 1.0) {
        if (buf_byte(d, P_NONE) < 0)
            return -1;
    } else if (all_first) {
        if (pk_float(d, first) < 0)
            return -1;
    } else {
        if (pk_tuple_open(d, n) < 0)
            return -1;
        for (Py_ssize_t i = a; i < b; i++)
            if (pk_float(d, in->w32[i]) < 0)
                return -1;
        if (pk_tuple_close(d, n, &memo) < 0)
            return -1;
    }
    memset(seen->used, 0, (size_t)1 << seen->bits);
    Buf value = {0};
    int status = -1;
    if (pk_tuple_open(d, n) < 0)
        goto done;
    for (Py_ssize_t i = a; i < b; i++) {
        /* checked here, not only up front: compress() is Python code between blocks */
        if (in->npos[i] < 1 || in->starts[i] < 0 || in->npos[i] > in->npositions - in->starts[i]) {
            PyErr_SetString(PyExc_ValueError, "a posting's positions lie outside the positions array");
            goto done;
        }
        const int64_t *pos = in->positions + in->starts[i];
        Py_ssize_t *slot = in->npos[i] == 1 ? seen_slot(seen, pos[0]) : NULL;
        if (slot && *slot >= 0) {
            if (pk_memo(d, P_BINGET, P_LONG_BINGET, *slot) < 0)
                goto done;
            continue;
        }
        value.size = 0;
        if (position_value(&value, pos, in->npos[i]) < 0)
            goto done;
        if (slot)
            *slot = memo;
        if (pk_bytes(d, value.data, value.size, &memo) < 0)
            goto done;
    }
    if (pk_tuple_close(d, n, &memo) < 0)
        goto done;
    if (buf_byte(d, P_TUPLE3) < 0 || pk_memo(d, P_BINPUT, P_LONG_BINPUT, memo++) < 0 || buf_byte(d, P_STOP) < 0)
        goto done;
    status = 0;
done:
    PyMem_Free(value.data);
    return status;
}

/* One term's postings [a, b) as its blocks (appended to ``out``) and its term info. */
static int term_blocks(Buf *out, Buf *info, const Input *in, Py_ssize_t a, Py_ssize_t b, double total, int64_t offset,
                       Seen *seen) {
    Py_ssize_t begin = out->size;
    double maxweight = 0.0;
    int64_t minlength = -1, maxlength = 0;
    Buf data = {0};
    int status = -1;
    if (buf_put(out, in->magic, 4) < 0)
        goto done;
    for (Py_ssize_t start = a; start < b; start += in->limit) {
        Py_ssize_t end = start + in->limit < b ? start + in->limit : b;
        Py_ssize_t n = end - start;
        double bmax = in->weights[start];
        for (Py_ssize_t i = start + 1; i < end; i++)
            if (in->weights[i] > bmax)
                bmax = in->weights[i];
        int bmax_positive = bmax > 0;
        int64_t bmin = -1, bmaxlen = 0;
        for (Py_ssize_t i = start; i < end; i++) {
            int64_t len = in->lens[i];
            if (len) {
                if (bmin < 0 || len < bmin)
                    bmin = len;
                if (len > bmaxlen)
                    bmaxlen = len;
            }
        }
        data.size = 0;
        if (block_data(&data, in, start, end, seen) < 0)
            goto done;
        int comp = data.size >= in->min_size ? in->compression : 0;
        PyObject *compressed = NULL;
        const char *payload = data.data;
        Py_ssize_t payload_size = data.size;
        if (comp) {
            PyObject *raw = PyBytes_FromStringAndSize(data.data, data.size);
            if (raw == NULL)
                goto done;
            compressed = PyObject_CallFunction(in->compress, "Oi", raw, comp);
            Py_DECREF(raw);
            if (compressed == NULL)
                goto done;
            if (!PyBytes_Check(compressed)) {
                Py_DECREF(compressed);
                PyErr_SetString(PyExc_TypeError, "compress() must return bytes");
                goto done;
            }
            payload = PyBytes_AS_STRING(compressed);
            payload_size = PyBytes_GET_SIZE(compressed);
        }
        /* the block info: pickle (protocol 2) of (count, last doc, max weight, compression,
         * min length byte, max length byte) */
        Buf binfo = {0};
        Py_ssize_t memo = 0;
        const unsigned char head[3] = {P_PROTO, 2, P_MARK};
        int ok = buf_put(&binfo, head, 3) == 0 && pk_int(&binfo, n) == 0 && pk_int(&binfo, in->docs[end - 1]) == 0 &&
                 (bmax_positive ? pk_float(&binfo, bmax) : pk_int(&binfo, 0)) == 0 && pk_int(&binfo, comp) == 0 &&
                 pk_int(&binfo, length_byte(&in->lb, bmin)) == 0 &&
                 pk_int(&binfo, length_byte(&in->lb, bmaxlen)) == 0 && buf_byte(&binfo, P_TUPLE) == 0 &&
                 pk_memo(&binfo, P_BINPUT, P_LONG_BINPUT, memo++) == 0 && buf_byte(&binfo, P_STOP) == 0;
        if (ok) {
            unsigned char lenbytes[4];
            int64_t blocklength = binfo.size + payload_size;
            if (end >= b)
                blocklength = -blocklength;
            be32(lenbytes, (uint32_t)(int32_t)blocklength);
            ok = buf_put(out, lenbytes, 4) == 0 && buf_put(out, binfo.data, binfo.size) == 0 &&
                 buf_put(out, payload, payload_size) == 0;
        }
        PyMem_Free(binfo.data);
        Py_XDECREF(compressed);
        if (!ok)
            goto done;
        if (bmin >= 0 && (minlength < 0 || bmin < minlength))
            minlength = bmin;
        if (bmaxlen > maxlength)
            maxlength = bmaxlen;
        double bm = bmax_positive ? bmax : 0.0;
        if (bm > maxweight)
            maxweight = bm;
    }
    /* the term info ("!BfIBBfII"), then the block's offset ("!q") and length ("!i") */
    unsigned char t[35];
    float f;
    uint32_t bits;
    t[0] = 0;
    f = (float)total;
    memcpy(&bits, &f, 4);
    be32(t + 1, bits);
    be32(t + 5, (uint32_t)(b - a));
    t[9] = (unsigned char)length_byte(&in->lb, minlength < 0 ? 0 : minlength);
    t[10] = (unsigned char)length_byte(&in->lb, maxlength);
    f = (float)maxweight;
    memcpy(&bits, &f, 4);
    be32(t + 11, bits);
    be32(t + 15, (uint32_t)in->docs[a]);
    be32(t + 19, (uint32_t)in->docs[b - 1]);
    be64(t + 23, (uint64_t)(offset + begin));
    be32(t + 31, (uint32_t)(out->size - begin));
    status = buf_put(info, t, 35);
done:
    PyMem_Free(data.data);
    return status;
}


/* ---- a value's words (kb.engine.postings.TextPostings.prepare)
 *
 * Why compiled: it runs for every field value of a build, and in Python the ids, the length and the
 * spelling set each cost a pass with an object and a call per word.
 */

typedef struct {
    int64_t *keys;
    unsigned char *used;
    Py_ssize_t mask, count;
} IntSet;

static int intset_init(IntSet *s, Py_ssize_t n) {
    Py_ssize_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    s->keys = PyMem_Malloc(sizeof(int64_t) * cap);
    s->used = PyMem_Calloc(cap, 1);
    s->mask = cap - 1;
    s->count = 0;
    if (s->keys == NULL || s->used == NULL) {
        PyMem_Free(s->keys);
        PyMem_Free(s->used);
        s->keys = NULL;
        s->used = NULL;
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void intset_free(IntSet *s) {
    PyMem_Free(s->keys);
    PyMem_Free(s->used);
}

static int intset_insert(IntSet *s, int64_t key) {
    Py_ssize_t h = (Py_ssize_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> 32) & s->mask;
    while (s->used[h]) {
        if (s->keys[h] == key)
            return 0;
        h = (h + 1) & s->mask;
    }
    s->used[h] = 1;
    s->keys[h] = key;
    s->count++;
    return 1;
}

/* Adds ``key``: 1 if it was new, 0 if not, -1 on no memory. The table doubles when half full,
 * so it grows with the distinct keys, not with the tokens of a value. */
static int intset_add(IntSet *s, int64_t key) {
    if (2 * (s->count + 1) > s->mask + 1) {
        IntSet bigger;
        if (intset_init(&bigger, s->mask + 1) < 0)
            return -1;
        for (Py_ssize_t h = 0; h <= s->mask; h++)
            if (s->used[h])
                intset_insert(&bigger, s->keys[h]);
        intset_free(s);
        *s = bigger;
    }
    return intset_insert(s, key);
}

/* ---- typed 1-d buffers (numpy arrays, array.array) */

typedef struct {
    Py_buffer view;
    int held;
} View;

/* A 1-d C-contiguous buffer of ``itemsize`` bytes per item whose format is one of ``format``'s
 * characters; ``release_view`` gives it back (also after a failure here). */
static int get_view(PyObject *obj, View *v, const char *format, Py_ssize_t itemsize, const char *name) {
    if (PyObject_GetBuffer(obj, &v->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    v->held = 1;
    if (v->view.itemsize != itemsize || v->view.format == NULL || v->view.format[0] == '\0' ||
        strchr(format, v->view.format[0]) == NULL || v->view.ndim != 1) {
        const char *kind = format[0] == 'd' ? "float64" : format[0] == 'B' ? "uint8" : itemsize == 4 ? "int32" : "int64";
        PyErr_Format(PyExc_TypeError, "%s must be a 1-d array of %s", name, kind);
        return -1;
    }
    return 0;
}

static void release_view(View *v) {
    if (v->held)
        PyBuffer_Release(&v->view);
    v->held = 0;
}

/* (word ids, field length, spelling term ids or None) of a value's kept words: the ids from
 * ``word_ids`` (``new_word(word)`` for a word not yet there, which grows the tables), the
 * length as the sum of the words' expansion sizes (``word_start[w + 1] - word_start[w]``),
 * the spelling ids as the set of ``spell[w]`` and ``spell_folded[w]`` of the distinct words. */
static PyObject *word_ids(PyObject *self, PyObject *args) {
    PyObject *table, *kept, *new_word, *start_obj, *spell_obj, *folded_obj;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!OOOO:word_ids", &PyDict_Type, &table, &PyList_Type, &kept, &new_word, &start_obj,
                          &spell_obj, &folded_obj))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(kept);
    PyObject *ids = PyList_New(n);
    if (ids == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyList_GET_SIZE(kept) != n) { /* new_word must not change the list it is called for */
            PyErr_SetString(PyExc_RuntimeError, "kept changed size during word_ids");
            goto fail;
        }
        PyObject *word = PyList_GET_ITEM(kept, i);
        PyObject *id = PyDict_GetItemWithError(table, word);
        if (id != NULL)
            Py_INCREF(id);
        else if (PyErr_Occurred())
            goto fail;
        else if ((id = PyObject_CallOneArg(new_word, word)) == NULL)
            goto fail;
        if (!PyLong_CheckExact(id)) {
            Py_DECREF(id);
            PyErr_SetString(PyExc_TypeError, "word ids must be ints");
            goto fail;
        }
        PyList_SET_ITEM(ids, i, id);
    }
    /* the tables are read only now: new_word may have grown (moved) them above */
    View start = {{0}}, spell = {{0}}, folded = {{0}};
    int spelling = spell_obj != Py_None;
    int64_t length = 0;
    IntSet words = {0}, spelled = {0};
    PyObject *spell_ids = NULL, *result = NULL;
    if (get_view(start_obj, &start, "q", 8, "word_start") < 0 ||
        (spelling && (get_view(spell_obj, &spell, "i", 4, "spell") < 0 ||
                      get_view(folded_obj, &folded, "i", 4, "spell_folded") < 0)))
        goto release;
    const int64_t *starts = start.view.buf;
    Py_ssize_t nwords = start.view.shape[0] - 1;
    if (spelling && (intset_init(&words, 32) < 0 || intset_init(&spelled, 64) < 0))
        goto release;
    for (Py_ssize_t i = 0; i < n; i++) {
        long w = PyLong_AsLong(PyList_GET_ITEM(ids, i));
        if (w < 0 || w >= nwords || (spelling && (w >= spell.view.shape[0] || w >= folded.view.shape[0]))) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_IndexError, "a word id beyond the word tables");
            goto release;
        }
        length += starts[w + 1] - starts[w];
        if (spelling) {
            int added = intset_add(&words, w);
            if (added < 0 || (added && (intset_add(&spelled, ((const int32_t *)spell.view.buf)[w]) < 0 ||
                                        intset_add(&spelled, ((const int32_t *)folded.view.buf)[w]) < 0)))
                goto release;
        }
    }
    if (spelling) {
        spell_ids = PyTuple_New(spelled.count);
        if (spell_ids == NULL)
            goto release;
        Py_ssize_t k = 0;
        for (Py_ssize_t h = 0; h <= spelled.mask; h++)
            if (spelled.used[h]) {
                PyObject *v = PyLong_FromLongLong(spelled.keys[h]);
                if (v == NULL)
                    goto release;
                PyTuple_SET_ITEM(spell_ids, k++, v);
            }
    } else {
        spell_ids = Py_NewRef(Py_None);
    }
    result = Py_BuildValue("(OLO)", ids, (long long)length, spell_ids);
release:
    Py_XDECREF(spell_ids);
    intset_free(&words);
    intset_free(&spelled);
    release_view(&start);
    release_view(&spell);
    release_view(&folded);
    Py_DECREF(ids);
    return result;
fail:
    Py_DECREF(ids);
    return NULL;
}

/* ---- encode_terms, the module function (see the top of this file) */

static PyObject *encode_terms(PyObject *self, PyObject *args) {
    PyObject *objs[10], *compress;
    Py_ssize_t limit, min_size, magic_size;
    int compression;
    long long offset;
    const char *magic;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOninLOy#:encode_terms", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4],
                          &objs[5], &objs[6], &objs[7], &objs[8], &objs[9], &limit, &compression, &min_size, &offset,
                          &compress, &magic, &magic_size))
        return NULL;
    if (magic_size != 4) {
        PyErr_SetString(PyExc_ValueError, "magic must be 4 bytes");
        return NULL;
    }
    (void)self;
    static const char *names[10] = {"docs",   "weights",   "w32",  "lengths", "npos",
                                    "starts", "positions", "cuts", "totals",  "length_bytes"};
    static const char *formats[10] = {"lq", "d", "d", "lq", "lq", "lq", "lq", "lq", "d", "B"};
    static const Py_ssize_t sizes[10] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 1};
    View views[10] = {{{0}}};
    PyObject *result = NULL;
    Buf out = {0}, info = {0};
    Seen *seen = NULL;
    for (int i = 0; i < 10; i++)
        if (get_view(objs[i], &views[i], formats[i], sizes[i], names[i]) < 0)
            goto done;
    Py_ssize_t m = views[0].view.shape[0];
    for (int i = 1; i < 6; i++)
        if (views[i].view.shape[0] != m) {
            PyErr_Format(PyExc_ValueError, "%s must have one value per posting", names[i]);
            goto done;
        }
    if (limit < 1 || limit > (1 << 20)) {
        PyErr_SetString(PyExc_ValueError, "limit must be between 1 and 2**20");
        goto done;
    }
    Input in = {
        .docs = views[0].view.buf,
        .weights = views[1].view.buf,
        .w32 = views[2].view.buf,
        .lens = views[3].view.buf,
        .npos = views[4].view.buf,
        .starts = views[5].view.buf,
        .positions = views[6].view.buf,
        .lb = {views[9].view.buf, views[9].view.shape[0]},
        .limit = limit,
        .compression = compression,
        .min_size = min_size,
        .compress = compress,
        .magic = magic,
        .npositions = views[6].view.shape[0],
    };
    const int64_t *cuts = views[7].view.buf;
    const double *totals = views[8].view.buf;
    Py_ssize_t nterms = views[7].view.shape[0] - 1, npositions = views[6].view.shape[0];
    if (nterms >= 0 && views[8].view.shape[0] != nterms) {
        PyErr_SetString(PyExc_ValueError, "totals must have one value per term");
        goto done;
    }
    if (nterms < 0 || cuts[0] != 0 || cuts[nterms] != m) {
        PyErr_SetString(PyExc_ValueError, "cuts must rise from 0 to the number of postings");
        goto done;
    }
    for (Py_ssize_t k = 0; k < nterms; k++)
        if (cuts[k] < 0 || cuts[k] >= cuts[k + 1] || cuts[k + 1] > m) {
            PyErr_SetString(PyExc_ValueError, "cuts must rise from 0 to the number of postings");
            goto done;
        }
    for (Py_ssize_t i = 0; i < m; i++)
        if (in.npos[i] < 1 || in.starts[i] < 0 || in.npos[i] > npositions - in.starts[i]) {
            PyErr_SetString(PyExc_ValueError, "a posting's positions lie outside the positions array");
            goto done;
        }
    seen = PyMem_Calloc(1, sizeof(Seen));
    if (seen == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    seen->bits = 4;
    while (((Py_ssize_t)1 << seen->bits) < 2 * limit)
        seen->bits++;
    seen->key = PyMem_Malloc(sizeof(int64_t) << seen->bits);
    seen->memo = PyMem_Malloc(sizeof(Py_ssize_t) << seen->bits);
    seen->used = PyMem_Malloc((size_t)1 << seen->bits);
    if (seen->key == NULL || seen->memo == NULL || seen->used == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < nterms; k++) {
        if (cuts[k] < 0 || cuts[k] >= cuts[k + 1] || cuts[k + 1] > m) { /* again: see block_data */
            PyErr_SetString(PyExc_ValueError, "cuts must rise from 0 to the number of postings");
            goto done;
        }
        if (in.docs[cuts[k]] < 0 || in.docs[cuts[k + 1] - 1] > 0xffffffffLL) {
            PyErr_SetString(PyExc_OverflowError, "document numbers must fit 32 bits");
            goto done;
        }
        if (term_blocks(&out, &info, &in, cuts[k], cuts[k + 1], totals[k], offset, seen) < 0)
            goto done;
    }
    PyObject *blocks = PyBytes_FromStringAndSize(out.data, out.size);
    PyObject *infos = PyList_New(nterms);
    if (blocks == NULL || infos == NULL) {
        Py_XDECREF(blocks);
        Py_XDECREF(infos);
        goto done;
    }
    for (Py_ssize_t k = 0; k < nterms; k++) {
        PyObject *item = PyBytes_FromStringAndSize(info.data + 35 * k, 35);
        if (item == NULL) {
            Py_DECREF(blocks);
            Py_DECREF(infos);
            goto done;
        }
        PyList_SET_ITEM(infos, k, item);
    }
    result = Py_BuildValue("(NN)", blocks, infos);
done:
    for (int i = 0; i < 10; i++)
        release_view(&views[i]);
    PyMem_Free(out.data);
    PyMem_Free(info.data);
    if (seen != NULL) {
        PyMem_Free(seen->key);
        PyMem_Free(seen->memo);
        PyMem_Free(seen->used);
        PyMem_Free(seen);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"encode_terms", encode_terms, METH_VARARGS,
     "encode_terms(docs, weights, w32, lengths, npos, starts, positions, cuts, totals, length_bytes, limit, "
     "compression, min_size, offset, compress, magic) -> (blocks, infos)\n\n"
     "The whoosh3 postings blocks of consecutive terms (postings cuts[k]:cuts[k+1] of term k, total weight "
     "totals[k]) as one bytes object, and each term's info record (term info, offset, length: 35 bytes)."},
    {"word_ids", word_ids, METH_VARARGS,
     "word_ids(table, kept, new_word, word_start, spell, spell_folded) -> (ids, length, spelling ids or None)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "kb.engine.native",
                                    "Compiled helpers of the bulk index writer (kb.engine.segment, kb.engine.postings).", -1,
                                    methods};

PyMODINIT_FUNC PyInit_native(void) { return PyModule_Create(&module); }
