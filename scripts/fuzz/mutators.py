# Mutators for every input format the fuzzer feeds metatrain: raw bytes, JSON (structure-aware, with
# duplicate keys and non-standard literals), safetensors headers, optimizer spec strings, programs,
# IDX/CIFAR-10 binaries and JSON-lines files. Each takes a random.Random, so a run is reproducible.

import gzip
import json
import math
import struct

# ---------------------------------------------------------------------------------------------------
# Bytes

INTERESTING_BYTES = [0x00, 0x01, 0x7F, 0x80, 0xFF, ord("["), ord("]"), ord("{"), ord("}"), ord('"'),
                     ord(","), ord(":"), ord("="), ord(";"), ord("\n"), ord("\r"), ord("#"), ord("-"),
                     ord("9"), ord("e")]


def mutate_bytes(rng, data, rounds=None):
    """Byte flips, insertions, deletions, truncation, duplication and splices, `rounds` times."""
    b = bytearray(data)
    for _ in range(rounds or rng.choice([1, 1, 1, 2, 3, 8])):
        op = rng.randrange(8)
        n = len(b)
        if n == 0:
            b += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
            continue
        i = rng.randrange(n)
        if op == 0:  # flip a bit
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # set an interesting byte
            b[i] = rng.choice(INTERESTING_BYTES)
        elif op == 2:  # insert bytes
            k = rng.choice([1, 1, 4, 64])
            b[i:i] = bytes(rng.choice(INTERESTING_BYTES + [rng.randrange(256)]) for _ in range(k))
        elif op == 3:  # delete a span
            del b[i:i + rng.choice([1, 1, 8, 256, n])]
        elif op == 4:  # truncate
            del b[i:]
        elif op == 5:  # duplicate a span in place
            j = min(n, i + rng.choice([1, 16, 256, 4096]))
            b[i:i] = b[i:j] * rng.choice([1, 2, 16])
        elif op == 6:  # copy a span elsewhere
            j = min(n, i + rng.choice([4, 32, 512]))
            k = rng.randrange(n)
            b[k:k] = b[i:j]
        else:  # overwrite with random bytes
            for k in range(i, min(n, i + rng.choice([1, 4, 16]))):
                b[k] = rng.randrange(256)
    return bytes(b)


# ---------------------------------------------------------------------------------------------------
# JSON with duplicate keys and raw literals

class Raw:
    """JSON text written verbatim (NaN, 1e999, 01, deep nesting, …)."""
    def __init__(self, text):
        self.text = text


class Obj:
    """A JSON object as a list of pairs, so keys may repeat."""
    def __init__(self, pairs):
        self.pairs = list(pairs)


def json_parse(text):
    try:
        return json.loads(text, object_pairs_hook=Obj)
    except RecursionError:  # deep nesting from an earlier mutation: treat as unparseable
        raise ValueError("nested too deeply to parse")


def json_dump(v, out=None):
    parts = [] if out is None else out
    if isinstance(v, Raw):
        parts.append(v.text)
    elif isinstance(v, Obj):
        parts.append("{")
        for k, (key, val) in enumerate(v.pairs):
            if k:
                parts.append(", ")
            parts.append(json.dumps(key))
            parts.append(": ")
            json_dump(val, parts)
        parts.append("}")
    elif isinstance(v, list):
        parts.append("[")
        for k, val in enumerate(v):
            if k:
                parts.append(", ")
            json_dump(val, parts)
        parts.append("]")
    elif isinstance(v, bool) or v is None:
        parts.append(json.dumps(v))
    elif isinstance(v, float):
        parts.append("NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity") if math.isinf(v) else repr(v))
    elif isinstance(v, (int, str)):
        parts.append(json.dumps(v))
    else:
        raise TypeError(type(v))
    return "".join(parts) if out is None else None


# Numbers around the documented limits (4096 widths, 65536 batches, 100000 dimensions, 512 channels,
# 1e8 conditions), the integer widths, and literals Foundation's decoder may mishandle.
INTERESTING_NUMBERS = [
    0, -1, 1, 2, 3, -0.0, 0.5, 1.5, -2, 7, 8, 64, 255, 256, 511, 512, 513, 1000, 1023, 1024, 4095, 4096,
    4097, 65535, 65536, 65537, 99999, 100000, 100001, 10 ** 6, 10 ** 7, 2 ** 31 - 1, 2 ** 31, 2 ** 32,
    -2 ** 31, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, -2 ** 63, 2 ** 64, 1e8, 1e9, 1e-8, 1e-9, 1e-30, 1e-320,
    1e30, 1e38, 1e39, 1e308, -1e308,
]
# Literals that are not JSON, or not representable in the decoder's types: each a parse error at best.
RAW_NUMBERS = [
    Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1e999"), Raw("-1e999"), Raw("1" + "0" * 400),
    Raw("0x10"), Raw("01"), Raw("1."), Raw(".5"), Raw("+1"), Raw("1e"), Raw("-"), Raw("1E+308"),
    Raw("4.9e-324"), Raw("18446744073709551616"), Raw("9223372036854775808"),
]
INTERESTING_STRINGS = [
    "", " ", "a" * 10000, "\u00e9\u0000x", "../../../../etc/passwd", "/dev/zero", "/dev/null", "/", ".",
    "nonexistent.json", "NaN", "-1", "1e999", "true", "null", "[", "{}", "train", "heldout", "valid",
    "heldout/mlp-003", "adam:lr=1e3", "lo:default", "default", "\n", "\\", "%s%n", "\ud83d\ude00",
]


def deep_nesting(rng):
    n = rng.choice([16, 128, 1000, 5000, 20000])
    o, c = rng.choice([("[", "]"), ('{"a":', "}")])
    return Raw(o * n + rng.choice(["1", "[]", "{}", '"x"']) + c * n)


def _nodes(v, path=()):
    """Every (path, value) in the document, the root included."""
    yield path, v
    if isinstance(v, Obj):
        for k, (_, val) in enumerate(v.pairs):
            yield from _nodes(val, path + (k,))
    elif isinstance(v, list):
        for k, val in enumerate(v):
            yield from _nodes(val, path + (k,))


def _get(root, path):
    v = root
    for k in path:
        v = v.pairs[k][1] if isinstance(v, Obj) else v[k]
    return v


def _set(root, path, new):
    if not path:
        return new
    parent = _get(root, path[:-1])
    k = path[-1]
    if isinstance(parent, Obj):
        parent.pairs[k] = (parent.pairs[k][0], new)
    else:
        parent[k] = new
    return root


def _strings_in(root):
    return [v for _, v in _nodes(root) if isinstance(v, str)]


def _keys_in(root):
    return [k for _, v in _nodes(root) if isinstance(v, Obj) for k, _ in v.pairs]


def _mutate_number(rng, v):
    r = rng.random()
    if r < 0.06:
        return rng.choice(RAW_NUMBERS)
    if r < 0.55:
        return rng.choice(INTERESTING_NUMBERS)
    if r < 0.75 and isinstance(v, (int, float)) and not isinstance(v, bool):
        f = rng.choice([-1, 2, 10, 1000, 1e6, 0.5, 1e-6])
        try:
            x = v * f
        except OverflowError:
            x = 0
        return int(x) if isinstance(v, int) and not isinstance(x, float) else x
    if r < 0.9 and isinstance(v, int) and not isinstance(v, bool):
        return v + rng.choice([-2, -1, 1, 2])
    return rng.choice(["7", "", True, None, [v], Obj([("value", v)])])


def _mutate_value(rng, root, v):
    """A replacement for v (a number, string, array, object, bool or null)."""
    r = rng.random()
    if r < 0.04:
        return deep_nesting(rng)
    if r < 0.14:  # a wrong type
        return rng.choice([None, True, False, 0, -1, "", "x", [], Obj([]), [None], Obj([("x", 1)])])
    if isinstance(v, bool) or v is None:
        return rng.choice([not v if isinstance(v, bool) else True, 0, 1, "true", None])
    if isinstance(v, (int, float, Raw)):
        return _mutate_number(rng, v)
    if isinstance(v, str):
        others = _strings_in(root)
        if others and rng.random() < 0.35:
            return rng.choice(others)
        s = rng.choice(INTERESTING_STRINGS)
        if rng.random() < 0.2 and v:
            s = v.upper() if rng.random() < 0.5 else v + v
        return s
    if isinstance(v, list):
        op = rng.randrange(7)
        if op == 0 or not v:
            return [] if v else [rng.choice(INTERESTING_NUMBERS)]
        if op == 1:
            return v * rng.choice([2, 10, 100, 1000])
        if op == 2:
            w = list(v)
            del w[rng.randrange(len(w))]
            return w
        if op == 3:
            return list(reversed(v))
        if op == 4:
            return [v]
        if op == 5:
            return v + [rng.choice(v)]
        return [rng.choice(INTERESTING_NUMBERS) for _ in v]
    if isinstance(v, Obj):
        pairs = list(v.pairs)
        op = rng.randrange(6)
        if op == 0 and pairs:  # drop a key
            del pairs[rng.randrange(len(pairs))]
        elif op == 1 and pairs:  # duplicate a key, with another value
            k, val = rng.choice(pairs)
            pairs.insert(rng.randrange(len(pairs) + 1), (k, _mutate_value(rng, root, val)))
        elif op == 2:  # add an unknown or misplaced key
            keys = _keys_in(root) + ["unknown", "", "Family", "hidden ", "\u0000"]
            pairs.insert(rng.randrange(len(pairs) + 1), (rng.choice(keys), rng.choice(INTERESTING_NUMBERS + ["x", [], Obj([])])))
        elif op == 3 and pairs:  # rename a key
            k = rng.randrange(len(pairs))
            name, val = pairs[k]
            pairs[k] = (rng.choice([name.upper(), name + "s", name[:-1], "_" + name]), val)
        elif op == 4:
            pairs = []
        else:
            rng.shuffle(pairs)
        return Obj(pairs)
    return v


def mutate_json_value(rng, root, rounds=None):
    """Applies 1..n structure-aware edits to a parsed document (Obj/list tree); returns the new root."""
    for _ in range(rounds or rng.choice([1, 1, 1, 2, 3, 5])):
        nodes = list(_nodes(root))
        # Prefer leaves: most bugs are in a value, not in the shape of the document.
        leaves = [n for n in nodes if not isinstance(n[1], (Obj, list))]
        path, v = rng.choice(leaves if leaves and rng.random() < 0.6 else nodes)
        root = _set(root, path, _mutate_value(rng, root, v))
    return root


def mutate_json_text(rng, text, byte_rate=0.08):
    """Structure-aware edits of a JSON document, then, sometimes, byte-level ones."""
    try:
        root = json_parse(text)
    except ValueError:
        return mutate_bytes(rng, text.encode()).decode("utf-8", "replace")
    if rng.random() < 0.9:
        root = mutate_json_value(rng, root)
    out = json_dump(root)
    if rng.random() < byte_rate:
        out = mutate_bytes(rng, out.encode()).decode("utf-8", "replace")
    return out


# ---------------------------------------------------------------------------------------------------
# safetensors: 8-byte little-endian header length, JSON header, data

DTYPES = ["F32", "F16", "BF16", "F64", "I8", "U8", "I32", "I64", "BOOL", "f32", "F8_E4M3", "", "F32 ", "X"]


def parse_safetensors(data):
    n = struct.unpack("<Q", data[:8])[0]
    return json_parse(data[8:8 + n].decode()), data[8 + n:]


def mutate_safetensors(rng, data):
    try:
        header, body = parse_safetensors(data)
    except Exception:
        return mutate_bytes(rng, data)
    r = rng.random()
    tensors = [k for k, (name, _) in enumerate(header.pairs) if name != "__metadata__"]
    meta = next((v for name, v in header.pairs if name == "__metadata__"), None)
    if r < 0.45 and meta is not None and meta.pairs:
        # A metadata value: the architecture config, the config, the layout — JSON inside a string.
        k = rng.randrange(len(meta.pairs))
        arch = [i for i, (name, _) in enumerate(meta.pairs) if name == "architecture"]
        if arch and rng.random() < 0.5:  # the learned optimizer's widths: what the loader must check
            k = arch[0]
        name, val = meta.pairs[k]
        if rng.random() < 0.1:
            del meta.pairs[k]
        elif isinstance(val, str) and val[:1] in "{[":
            meta.pairs[k] = (name, mutate_json_text(rng, val, byte_rate=0.05))
        else:
            meta.pairs[k] = (name, rng.choice(["", "-1", "0", "2147483648", "99999999999999999999", "NaN",
                                               "abc", "1e999", "metatrain-lo", "2", 7, None]))
    elif r < 0.8 and tensors:
        k = rng.choice(tensors)
        name, info = header.pairs[k]
        if not isinstance(info, Obj):
            header.pairs[k] = (name, mutate_json_value(rng, info))
        else:
            fields = dict(info.pairs)
            op = rng.randrange(6)
            if op == 0 and isinstance(fields.get("shape"), list):
                shape = list(fields["shape"])
                sub = rng.randrange(5)
                if sub == 0 and shape:
                    shape[rng.randrange(len(shape))] = rng.choice([0, 1, -1, 2, 2 ** 31, 2 ** 32 + 1, 2 ** 62, 10 ** 6])
                elif sub == 1:
                    shape = rng.choice([[], [0], [1], [1, 1, 1, 1, 1, 1, 1, 1, 1], list(reversed(shape))])
                elif sub == 2:
                    shape = shape + [rng.choice([1, 2, 3])]
                elif sub == 3 and shape:
                    shape = shape[:-1]
                else:
                    shape = [s * 2 for s in shape if isinstance(s, int)]
                fields["shape"] = shape
            elif op == 1:
                fields["dtype"] = rng.choice(DTYPES)
            elif op == 2 and isinstance(fields.get("data_offsets"), list) and len(fields["data_offsets"]) == 2:
                a, b = fields["data_offsets"]
                fields["data_offsets"] = rng.choice([
                    [b, a], [a, a], [0, 0], [a, b + 4], [a + 4, b], [a, len(body) + 4], [-1, b],
                    [a, 2 ** 63], [2 ** 64 - 4, 2 ** 64], [0, b - a], [a], [a, b, b], "x"])
            elif op == 3:
                del header.pairs[k]
            elif op == 4:
                header.pairs.insert(k, (rng.choice([name, name + "x", "theta/unknown", ""]), info))
            else:
                header.pairs[k] = (name, mutate_json_value(rng, info))
            if op in (0, 1, 2):
                header.pairs[k] = (name, Obj(list(fields.items())))
    elif r < 0.9:
        # The data: NaN/Inf weights, or a truncated/extended body.
        b = bytearray(body)
        if rng.random() < 0.6 and len(b) >= 4:
            for _ in range(rng.choice([1, 16, len(b) // 4])):
                i = rng.randrange(len(b) // 4) * 4
                b[i:i + 4] = struct.pack("<f", rng.choice([math.nan, math.inf, -math.inf, 1e38, 0.0, 1e-45]))
        else:
            b = b[:rng.randrange(len(b) + 1)] if rng.random() < 0.7 else b + b
        body = bytes(b)
    else:
        header = mutate_json_value(rng, header)
    text = json_dump(header).encode()
    r = rng.random()
    if r < 0.85:
        length = len(text)
    else:
        length = rng.choice([0, 1, len(text) - 1, len(text) + 1, len(text) + len(body) + 1, 2 ** 31, 2 ** 64 - 1])
    out = struct.pack("<Q", length) + text + body
    if rng.random() < 0.1:
        out = mutate_bytes(rng, out)
    return out


# ---------------------------------------------------------------------------------------------------
# Optimizer specs: NAME[:key=value,…], nested inner=[SPEC]

SPEC_NUMBERS = ["0", "-1", "1", "1e3", "1e-3", "1e308", "1e999", "-1e999", "nan", "NaN", "inf", "-inf", "1e-320",
                "2147483648", "9223372036854775808", "-0", "0.5", "3", "100000000", "1e30", "0x10", "", "abc",
                "true", "false", "1,5", "1" * 400]


def random_spec(rng, catalogue, depth=0, paths=()):
    """A spec from the grammar, mostly valid names and keys with interesting values."""
    kinds = list(catalogue["kinds"])
    name = rng.choice(kinds + ["adam-tuned", "tuned", "theta", "unknown", "", "ADAM"]) if rng.random() < 0.15 else rng.choice(kinds)
    keys = catalogue["kinds"].get(name, {})
    parts = []
    if name in ("lo", "learned", "program") and rng.random() < 0.8:
        parts.append(rng.choice(list(paths) or ["default"]))
    candidates = list(keys) + list(catalogue["common"]) + ["unknown_key", "lr", "inner"]
    for _ in range(rng.choice([0, 1, 1, 2, 3, 6])):
        key = rng.choice(candidates)
        if key == "inner" or (key in keys and keys[key].startswith(("adam", "inner"))):
            if depth < 6 and rng.random() < 0.7:
                val = "[" + random_spec(rng, catalogue, depth + 1, paths) + "]"
            else:
                val = rng.choice(["adam", "sgd", "[]", "[", "theta", "[lo:default]"])
        elif key == "path":
            val = rng.choice(list(paths) + ["default", "", "/dev/zero", "/dev/null", "/", "nonexistent"])
        elif key in keys and keys[key] and not keys[key][0].isdigit() and keys[key][0] not in "-.(":
            # An enum-like default (validation, matrices, tensor, off, constant…): another enum or a number.
            val = rng.choice(catalogue["words"] + SPEC_NUMBERS[:6])
        else:
            val = rng.choice(SPEC_NUMBERS + ([keys[key]] if key in keys else []))
        parts.append(f"{key}={val}")
    return name + (":" + ",".join(parts) if parts else "")


def deep_spec(rng, catalogue):
    wrappers = [k for k, keys in catalogue["kinds"].items() if "inner" in keys] or ["lookahead"]
    n = rng.choice([50, 200, 700, 2000, 5000])
    w = rng.choice(wrappers)
    return f"{w}:inner=[" * n + "adam" + "]" * n


def mutate_spec(rng, catalogue, paths=()):
    r = rng.random()
    if r < 0.06:
        return deep_spec(rng, catalogue)
    s = random_spec(rng, catalogue, paths=paths)
    if rng.random() < 0.35:
        b = list(s)
        for _ in range(rng.choice([1, 1, 2, 4])):
            op = rng.randrange(6)
            i = rng.randrange(len(b) + 1)
            if op == 0:
                b.insert(i, rng.choice(list(",:=[];") + ["\u00e9", " ", "\t", "'", '"']))
            elif op == 1 and b:
                del b[min(i, len(b) - 1)]
            elif op == 2:  # unbalanced brackets
                b.insert(i, rng.choice(["[", "]", "[[", "]]"]))
            elif op == 3:  # a duplicated key
                if "=" in s:
                    b += list("," + rng.choice(s.split(":", 1)[-1].split(",")))
            elif op == 4:
                b = list(s + ";" + random_spec(rng, catalogue, paths=paths))
            else:
                b = b[:i]
        s = "".join(b)
    return s


def parse_optimizers_help(text):
    """The kinds, their keys with defaults, and the common keys, from `metatrain optimizers`."""
    kinds, common, words = {}, {}, set()
    section = "kinds"
    last = None
    for line in text.splitlines():
        if line.startswith("Keys every optimizer accepts"):
            section = "common"
            continue
        if line.startswith("In compare also"):
            section = "compare"
            continue
        if section == "kinds":
            if line.startswith("  ") and not line.startswith("    ") and line.strip():
                last = line.split()[0]
                kinds[last] = {}
            elif line.startswith("    ") and last:
                for item in line.strip().split(", "):
                    if "=" in item:
                        k, v = item.split("=", 1)
                        kinds[last][k.strip()] = v.strip()
                        for w in v.replace("(", " ").replace(")", " ").split():
                            if w.isalpha():
                                words.add(w)
        elif section == "common" and line.startswith("  ") and "=" in line:
            k, v = line.split()[0].split("=", 1)
            common[k] = v
            for w in line.split("  ", 2)[-1].replace("|", " ").replace(":", " ").split():
                if w.isalpha() and w.islower():
                    words.add(w)
    return {"kinds": kinds, "common": common, "words": sorted(words)}


# ---------------------------------------------------------------------------------------------------
# Programs: one `NAME = OPERAND OP OPERAND` or `NAME = FUNCTION(…)` per line

PROGRAM_FUNCTIONS = ["interp", "sign", "abs", "square", "exp", "sin", "cos", "tanh", "reciprocal", "sqrt",
                     "log", "clip", "power", "norm", "max", "min"]
PROGRAM_CONSTANTS = ["0", "-0", "1e400", "-1e400", "1e-400", "1e308", "nan", "inf", "NaN", "1e38", "2147483648",
                     "1" * 500, "0.9", "-1e-8", "1e", ".", "0x10", "1_000"]


def _operand(rng, names):
    return rng.choice(names) if rng.random() < 0.7 else rng.choice(PROGRAM_CONSTANTS)


def mutate_program(rng, text):
    lines = text.split("\n")
    names = ["w", "g", "m", "v", "lr", "update", "x", "unknown"] + [
        l.split("=")[0].strip() for l in lines if "=" in l and not l.startswith("#")]
    for _ in range(rng.choice([1, 1, 2, 3, 5])):
        op = rng.randrange(14)
        i = rng.randrange(len(lines) + 1)
        if op == 0:
            rng.shuffle(lines)
        elif op == 1 and lines:
            del lines[min(i, len(lines) - 1)]
        elif op == 2 and lines:
            lines.insert(i, rng.choice(lines))
        elif op == 3:  # a statement with a known or unknown function, right or wrong arity
            f = rng.choice(PROGRAM_FUNCTIONS + ["foo", "Sign", "exp2", ""])
            args = ", ".join(_operand(rng, names) for _ in range(rng.choice([0, 1, 2, 3, 4])))
            lines.insert(i, f"{rng.choice(names)} = {f}({args})")
        elif op == 4:
            lines.insert(i, f"{rng.choice(names)} = {_operand(rng, names)} {rng.choice('+-*/%^')} {_operand(rng, names)}")
        elif op == 5:  # CRLF or CR line ends
            return ("\r\n" if rng.random() < 0.8 else "\r").join(lines)
        elif op == 6:  # a huge constant in place of one
            lines = [l.replace("0.9", rng.choice(PROGRAM_CONSTANTS), 1) for l in lines]
        elif op == 7:  # a deep expression
            n = rng.choice([10, 100, 1000, 10000])
            if rng.random() < 0.5:
                expr = "(" * n + "g" + ")" * n
            else:
                f = rng.choice(PROGRAM_FUNCTIONS[:9])
                expr = f"{f}(" * n + "g" + ")" * n
            lines.insert(i, f"update = {expr}")
        elif op == 8:  # a long chain of statements
            n = rng.choice([100, 1000, 10000])
            chain = ["t0 = g * 1.0001"] + [f"t{k} = t{k - 1} * 1.0001" for k in range(1, n)] + [f"update = t{n - 1} * lr"]
            lines[i:i] = chain
        elif op == 9:  # the # lr: header
            lines.insert(0, "# lr: " + rng.choice(PROGRAM_CONSTANTS + ["abc", "", "-1"]))
        elif op == 10:  # odd whitespace and characters
            if lines:
                k = min(i, len(lines) - 1)
                lines[k] = rng.choice(["\t", "  ", "\u00a0", "\u00e9", "\x00", ";", "=", "=="]).join(lines[k].split(" "))
        elif op == 11 and lines:  # an operand replaced
            k = min(i, len(lines) - 1)
            toks = lines[k].split(" ")
            j = rng.randrange(len(toks))
            toks[j] = _operand(rng, names)
            lines[k] = " ".join(toks)
        elif op == 12:
            lines = rng.choice([[], [""], ["# only a comment"], ["update = g"], ["update = lr"], ["m = g"]])
        else:
            return mutate_bytes(rng, "\n".join(lines).encode()).decode("utf-8", "replace")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# IDX (big-endian: 0 0 type ndims, dims, data) and CIFAR-10 (1 label byte + 3072 pixel bytes a record)

def maybe_gunzip(data):
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data), True
        except Exception:
            return data, True
    return data, False


def mutate_idx(rng, data):
    """Header dims, magic and type bytes, truncation, huge declared sizes; then plain or gzip."""
    raw, was_gz = maybe_gunzip(data)
    if rng.random() < 0.2:  # bytes of the gzip stream itself
        return mutate_bytes(rng, data)
    b = bytearray(raw)
    ndims = b[3] if len(b) >= 4 else 0
    for _ in range(rng.choice([1, 1, 2])):
        op = rng.randrange(7)
        if op == 0 and len(b) >= 4:  # the type byte and the zero bytes of the magic
            k = rng.choice([0, 1, 2, 2])
            b[k] = rng.choice([0x00, 0x01, 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0xFF])
        elif op == 1 and len(b) >= 4:  # the dimension count
            b[3] = rng.choice([0, 1, 2, 3, 4, 5, 255])
        elif op == 2 and len(b) >= 4 + 4 * ndims and ndims:  # one dimension
            k = rng.randrange(ndims)
            old = struct.unpack(">I", bytes(b[4 + 4 * k:8 + 4 * k]))[0]
            new = rng.choice([0, 1, 2, old + 1, max(0, old - 1), old * 2, 2 ** 16, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1])
            b[4 + 4 * k:8 + 4 * k] = struct.pack(">I", new)
        elif op == 3:  # truncation
            del b[rng.randrange(len(b) + 1):]
        elif op == 4:  # extra data
            b += bytes(rng.choice([1, 7, 784, 4096]))
        elif op == 5 and len(b) > 8:  # label or pixel values
            for _ in range(rng.choice([1, 10, 100])):
                b[rng.randrange(8, len(b))] = rng.choice([0, 9, 10, 16, 99, 255])
        else:
            b = bytearray(mutate_bytes(rng, bytes(b)))
    out = bytes(b)
    if rng.random() < (0.7 if was_gz else 0.3):
        out = gzip.compress(out, mtime=0)
    return out


def mutate_cifar(rng, data):
    b = bytearray(data)
    rec = 3073
    op = rng.randrange(8)
    if op == 0:  # not a whole number of records
        del b[rng.randrange(len(b) + 1):]
    elif op == 1:
        b += bytes(rng.choice([1, 1000, 3072, 3074]))
    elif op == 2 and len(b) >= rec:  # label bytes out of range
        for _ in range(rng.choice([1, 5])):
            b[rng.randrange(len(b) // rec) * rec] = rng.choice([10, 11, 127, 255])
    elif op == 3:
        b = bytearray()
    elif op == 4:  # many records (a large file, not a huge one)
        b = b * rng.choice([10, 100])
    elif op == 5:
        b = bytearray(b[:rec])
    elif op == 6 and len(b) >= rec:  # pixels only: still a valid file
        for _ in range(rng.choice([1, 100, 10000])):
            i = rng.randrange(len(b))
            if i % rec:
                b[i] = rng.choice([0, 255, rng.randrange(256)])
    else:
        b = bytearray(mutate_bytes(rng, bytes(b)))
    out = bytes(b)
    if rng.random() < 0.1:
        out = gzip.compress(out, mtime=0)
    return out


# ---------------------------------------------------------------------------------------------------
# JSON lines (metrics.jsonl)

def mutate_jsonl(rng, text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.randrange(10)
        if not lines:
            lines = [""]
        i = rng.randrange(len(lines))
        if op == 0:  # a torn last line
            lines[-1] = lines[-1][:rng.randrange(len(lines[-1]) + 1)]
        elif op == 1:
            del lines[i]
        elif op == 2:
            lines.insert(i, lines[i])
        elif op == 3:
            rng.shuffle(lines)
        elif op == 4:
            lines.insert(i, rng.choice(["", "garbage", "{}", "[]", "null", "{\"type\":\"step\"}", "\x00\x01", "{" * 5000]))
        elif op == 5:  # one record, structure-aware
            lines[i] = mutate_json_text(rng, lines[i], byte_rate=0.05).replace("\n", " ")
        elif op == 6:
            lines = lines * rng.choice([10, 100])
        elif op == 7:
            lines = []
        elif op == 8:
            return "\r\n".join(lines) + "\r\n"
        else:
            return mutate_bytes(rng, ("\n".join(lines) + "\n").encode()).decode("utf-8", "replace")
    return "\n".join(lines) + ("\n" if rng.random() < 0.9 else "")
