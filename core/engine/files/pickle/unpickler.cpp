#include "core/engine/files/pickle/unpickler.h"

#include "core/common/error.h"
#include "core/engine/files/pickle/allowed_globals.h"

#include <cstring>
#include <unordered_map>

namespace tessera::engine::pickle {
namespace {

using Kind = PickleValue::Kind;

// Opcodes of pickle protocols 2-5 (Python's Lib/pickle.py names).
enum Op : uint8_t {
    MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', BININT = 'J', BININT1 = 'K', BININT2 = 'M',
    NONE = 'N', BINPERSID = 'Q', REDUCE = 'R', BINSTRING = 'T', SHORT_BINSTRING = 'U', BINUNICODE = 'X',
    APPEND = 'a', BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}', APPENDS = 'e', BINGET = 'h',
    LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', BINPUT = 'q', LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't',
    EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G', BINBYTES = 'B', SHORT_BINBYTES = 'C',
    PROTO = 0x80, NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89,
    LONG1 = 0x8a, LONG4 = 0x8b, SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f,
    ADDITEMS = 0x90, FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95,
    BYTEARRAY8 = 0x96,
};

constexpr size_t kMaxGlobalLine = 512;

class Machine {
public:
    Machine(const uint8_t* data, size_t size, PickleArena& arena, const StorageResolver& storages, const std::string& what)
        : data_(data), size_(size), arena_(arena), storages_(storages), what_(what) {}

    Unpickled run();

private:
    [[noreturn]] void fail(const std::string& problem) const {
        throw Error("'" + what_ + "': not a valid PyTorch pickle: " + problem + " (at byte " + std::to_string(opPos_) + ")");
    }
    [[noreturn]] void refuse(const std::string& global) const {
        throw Error("refused global " + global + " in " + what_ +
                    ": Tessera never runs code from model files, and this one asks to call or build something that is "
                    "not a tensor or plain data");
    }

    const uint8_t* take(uint64_t n) {
        if (n > size_ - pos_) fail("the data ends in the middle of an instruction (file truncated?)");
        const uint8_t* p = data_ + pos_;
        pos_ += n;
        return p;
    }
    uint64_t readLE(int bytes) {
        const uint8_t* p = take(bytes);
        uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
        return v;
    }
    std::string readText(uint64_t n) {
        const uint8_t* p = take(n);
        return std::string(reinterpret_cast<const char*>(p), n);
    }
    std::string readLine() {
        const size_t start = pos_;
        while (pos_ < size_ && data_[pos_] != '\n') {
            if (pos_ - start > kMaxGlobalLine) fail("a global's name is too long");
            ++pos_;
        }
        if (pos_ >= size_) fail("the data ends inside a global's name (file truncated?)");
        std::string line(reinterpret_cast<const char*>(data_ + start), pos_ - start);
        ++pos_;
        return line;
    }

    PickleValue* pop() {
        if (stack_.size() <= floor()) fail("stack underflow");
        PickleValue* v = stack_.back();
        stack_.pop_back();
        return v;
    }
    PickleValue* top() {
        if (stack_.size() <= floor()) fail("stack underflow");
        return stack_.back();
    }
    size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    std::vector<PickleValue*> popMark() {
        if (marks_.empty()) fail("no MARK to pop to");
        std::vector<PickleValue*> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
        stack_.resize(marks_.back());
        marks_.pop_back();
        return items;
    }
    void push(PickleValue* v) { stack_.push_back(v); }
    PickleValue* make(Kind k) { return arena_.make(k); }
    PickleValue* makeInt(int64_t i) {
        PickleValue* v = make(Kind::Int);
        v->integer = i;
        return v;
    }
    PickleValue* makeText(Kind k, std::string text) {
        PickleValue* v = make(k);
        v->text = std::move(text);
        return v;
    }
    PickleValue* makeTuple(std::vector<PickleValue*> items) {
        PickleValue* v = make(Kind::Tuple);
        v->items = std::move(items);
        return v;
    }

    void pushLong(uint64_t n) {
        const uint8_t* p = take(n);
        if (n <= 8) {
            uint64_t v = 0;
            for (uint64_t i = n; i-- > 0;) v = (v << 8) | p[i];
            if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t(0) << (8 * n);  // sign-extend
            push(makeInt(static_cast<int64_t>(v)));
        } else {
            push(makeText(Kind::BigInt, std::string(reinterpret_cast<const char*>(p), n)));
        }
    }

    void pushGlobal(const std::string& module, const std::string& name) {
        const auto allowed = findAllowedGlobal(module, name);
        if (!allowed) refuse(module + "." + name);
        PickleValue* v = makeText(Kind::Global, module + "." + name);
        v->global = allowed->kind;
        v->dtype = allowed->dtype;
        push(v);
    }

    void memoPut(uint64_t index) { memo_[index] = top(); }
    PickleValue* memoGet(uint64_t index) {
        auto it = memo_.find(index);
        if (it == memo_.end()) fail("refers to memo entry " + std::to_string(index) + ", which was never stored");
        return it->second;
    }

    void setItems(PickleValue* dict, const std::vector<PickleValue*>& kv) {
        if (dict->kind != Kind::Dict) fail("sets items on a " + std::string(kindName(dict->kind)) + ", not a dict");
        if (kv.size() % 2) fail("odd number of dict items");
        for (size_t i = 0; i < kv.size(); i += 2) dict->entries.emplace_back(kv[i], kv[i + 1]);
    }
    void appendItems(PickleValue* list, const std::vector<PickleValue*>& items, Kind expected) {
        if (list->kind != expected)
            fail("adds items to a " + std::string(kindName(list->kind)) + ", not a " + kindName(expected));
        list->items.insert(list->items.end(), items.begin(), items.end());
    }

    int64_t intOf(const PickleValue* v, const char* what) const {
        if (v->kind != Kind::Int) fail(std::string(what) + " is a " + kindName(v->kind) + ", not an integer");
        return v->integer;
    }
    std::vector<int64_t> intsOf(const PickleValue* v, const char* what) const {
        if (v->kind != Kind::Tuple && v->kind != Kind::List) fail(std::string(what) + " is not a tuple");
        std::vector<int64_t> out;
        for (const PickleValue* x : v->items) out.push_back(intOf(x, what));
        return out;
    }
    static const std::vector<PickleValue*>& argsOf(const PickleValue* args) { return args->items; }
    // Calls that copy a container (OrderedDict(pairs), set(list), torch.Size(list)) could repeat one
    // large list cheaply; copies are limited to a few times the pickle's size.
    void chargeCopy(size_t items) {
        copied_ += items;
        if (copied_ > 4 * size_ + (1u << 20)) fail("copies the same containers over and over");
    }

    PickleValue* call(const PickleValue* callable, const PickleValue* args);
    PickleValue* rebuildTensor(const std::vector<PickleValue*>& a);
    PickleValue* encodeBytes(const std::vector<PickleValue*>& a);
    PickleValue* construct(const PickleValue* cls, const PickleValue* args);
    void build(PickleValue* inst);
    void persistentLoad(const PickleValue* pid);

    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    size_t opPos_ = 0;
    PickleArena& arena_;
    const StorageResolver& storages_;
    const std::string& what_;
    std::vector<PickleValue*> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, PickleValue*> memo_;
    size_t copied_ = 0;
};

PickleValue* Machine::rebuildTensor(const std::vector<PickleValue*>& a) {
    if (a.size() < 4) fail("_rebuild_tensor_v2 needs storage, offset, size and stride");
    if (a[0]->kind != Kind::Storage) fail("_rebuild_tensor_v2's first argument is a " + std::string(kindName(a[0]->kind)) + ", not a storage");
    PickleValue* t = make(Kind::Tensor);
    t->dtype = a[0]->dtype;
    t->tensor.storage = a[0]->tensor.storage;
    if (!a[2]->isContainer() || a[2]->items.size() > 64 || !a[3]->isContainer() || a[3]->items.size() > 64)
        fail("a tensor's size or stride is not a tuple of at most 64 dimensions");
    t->tensor.offset = intOf(a[1], "a tensor's storage offset");
    t->tensor.sizes = intsOf(a[2], "a tensor's size");
    t->tensor.strides = intsOf(a[3], "a tensor's stride");
    if (t->tensor.sizes.size() != t->tensor.strides.size()) fail("a tensor's size and stride have different lengths");
    return t;
}

// _codecs.encode(text, "latin1"): how protocol 2 stores bytes objects.
PickleValue* Machine::encodeBytes(const std::vector<PickleValue*>& a) {
    if (a.empty() || a[0]->kind != Kind::String) fail("_codecs.encode needs a string");
    const std::string& s = a[0]->text;
    chargeCopy(s.size());
    const bool latin1 = a.size() > 1 && a[1]->kind == Kind::String && (a[1]->text == "latin1" || a[1]->text == "latin-1");
    if (!latin1) return makeText(Kind::Bytes, s);
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<uint8_t>(s[i]);
        if (c < 0x80) {
            out += char(c);
        } else if ((c & 0xE0) == 0xC0 && i + 1 < s.size() && c <= 0xC3) {
            out += char(((c & 0x03) << 6) | (static_cast<uint8_t>(s[++i]) & 0x3F));
        } else {
            fail("_codecs.encode: a character outside latin-1");
        }
    }
    return makeText(Kind::Bytes, out);
}

PickleValue* Machine::call(const PickleValue* callable, const PickleValue* args) {
    if (callable->kind != Kind::Global) fail("calls a " + std::string(kindName(callable->kind)) + ", which is not callable");
    if (args->kind != Kind::Tuple) fail("the arguments of " + callable->text + " are not a tuple");
    const auto& a = argsOf(args);
    switch (callable->global) {
    case GlobalKind::OrderedDict: {
        PickleValue* d = make(Kind::Dict);
        if (!a.empty()) {
            if (a[0]->kind != Kind::List && a[0]->kind != Kind::Tuple) fail("OrderedDict's argument is not a list");
            chargeCopy(a[0]->items.size());
            for (const PickleValue* pair : a[0]->items) {
                if ((pair->kind != Kind::Tuple && pair->kind != Kind::List) || pair->items.size() != 2)
                    fail("OrderedDict's items are not pairs");
                d->entries.emplace_back(pair->items[0], pair->items[1]);
            }
        }
        return d;
    }
    case GlobalKind::RebuildTensor: return rebuildTensor(a);
    case GlobalKind::RebuildParameter:
        if (a.empty() || a[0]->kind != Kind::Tensor) fail("_rebuild_parameter needs a tensor");
        return a[0];
    case GlobalKind::RebuildFromTypeV2:
        // (function, type, args, state): a plain tensor or parameter that carried Python attributes.
        if (a.size() < 3 || a[1]->kind != Kind::Global || a[1]->global != GlobalKind::TensorClass ||
            a[0]->kind != Kind::Global ||
            (a[0]->global != GlobalKind::RebuildTensor && a[0]->global != GlobalKind::RebuildParameter))
            fail("_rebuild_from_type_v2 is only read for torch.Tensor and Parameter");
        return call(a[0], a[2]);
    case GlobalKind::TorchSize:
        if (a.size() != 1) fail("torch.Size needs one tuple");
        chargeCopy(a[0]->items.size());
        intsOf(a[0], "torch.Size");
        return a[0]->kind == Kind::Tuple ? a[0] : makeTuple(a[0]->items);
    case GlobalKind::CodecsEncode: return encodeBytes(a);
    case GlobalKind::SetType: {
        PickleValue* s = make(Kind::Set);
        if (!a.empty()) {
            if (!a[0]->isContainer() || a[0]->kind == Kind::Dict) fail("set's argument is not a list");
            chargeCopy(a[0]->items.size());
            s->items = a[0]->items;
        }
        return s;
    }
    case GlobalKind::TypeTag:
        if (a.empty()) fail("restore_type_tag needs a value");
        return a[0];
    case GlobalKind::Inert: return makeText(Kind::Opaque, callable->text);
    case GlobalKind::TensorClass:
    case GlobalKind::StorageType:
    case GlobalKind::DTypeObject: break;
    }
    refuse(callable->text + " (called)");
}

PickleValue* Machine::construct(const PickleValue* cls, const PickleValue* args) {
    if (cls->kind != Kind::Global) fail("NEWOBJ on a " + std::string(kindName(cls->kind)) + ", not a class");
    if (args->kind != Kind::Tuple) fail("NEWOBJ's arguments are not a tuple");
    switch (cls->global) {
    case GlobalKind::OrderedDict: return make(Kind::Dict);
    case GlobalKind::SetType: return make(Kind::Set);
    case GlobalKind::Inert: return makeText(Kind::Opaque, cls->text);
    default: break;
    }
    refuse(cls->text + " (instantiated)");
}

void Machine::build(PickleValue* inst) {
    // State of an OrderedDict's __dict__, a Parameter's attributes or an inert object: ignored.
    if (inst->kind == Kind::Dict || inst->kind == Kind::Tensor || inst->kind == Kind::Opaque) return;
    fail("BUILD on a " + std::string(kindName(inst->kind)) + " (only dicts, tensors and metadata objects take state)");
}

void Machine::persistentLoad(const PickleValue* pid) {
    if (pid->kind != Kind::Tuple || pid->items.size() < 5 || pid->items[0]->kind != Kind::String ||
        pid->items[0]->text != "storage")
        fail("a persistent id that is not a tensor storage");
    const auto& p = pid->items;
    if (p[1]->kind != Kind::Global || p[1]->global != GlobalKind::StorageType)
        fail("a storage of type '" + p[1]->text + "', which Tessera does not read");
    if (p[2]->kind != Kind::String) fail("a storage key that is not a string");
    if (p.size() > 5 && p[5]->kind != Kind::None)
        fail("storage views of pre-1.0 PyTorch files are not supported; save the file again with a recent PyTorch");
    StorageRequest r;
    r.key = p[2]->text;
    r.dtype = p[1]->dtype;
    r.numel = intOf(p[4], "a storage's size");
    if (r.numel < 0) fail("a storage with a negative size");
    PickleValue* s = make(Kind::Storage);
    s->dtype = r.dtype;
    s->tensor.storage = storages_(r);
    push(s);
}

Unpickled Machine::run() {
    while (true) {
        opPos_ = pos_;
        const uint8_t op = *take(1);
        switch (op) {
        case PROTO: {
            const uint8_t proto = *take(1);
            if (proto > 5) fail("pickle protocol " + std::to_string(proto) + " is newer than 5");
            break;
        }
        case FRAME: readLE(8); break;  // frames only group bytes for buffered reading
        case STOP: {
            marks_.clear();  // as Python's pickle: the top of the stack is the result
            return {pop(), pos_};
        }
        case MARK: marks_.push_back(stack_.size()); break;
        case POP: pop(); break;
        case POP_MARK: popMark(); break;
        case DUP: push(top()); break;
        case NONE: push(make(Kind::None)); break;
        case NEWTRUE:
        case NEWFALSE: {
            PickleValue* b = make(Kind::Bool);
            b->boolean = op == NEWTRUE;
            push(b);
            break;
        }
        case BININT: push(makeInt(static_cast<int32_t>(readLE(4)))); break;
        case BININT1: push(makeInt(static_cast<int64_t>(readLE(1)))); break;
        case BININT2: push(makeInt(static_cast<int64_t>(readLE(2)))); break;
        case LONG1: pushLong(readLE(1)); break;
        case LONG4: pushLong(readLE(4)); break;
        case BINFLOAT: {
            const uint8_t* p = take(8);
            uint64_t bits = 0;
            for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
            PickleValue* f = make(Kind::Float);
            std::memcpy(&f->real, &bits, 8);
            push(f);
            break;
        }
        case SHORT_BINUNICODE: push(makeText(Kind::String, readText(readLE(1)))); break;
        case BINUNICODE: push(makeText(Kind::String, readText(readLE(4)))); break;
        case BINUNICODE8: push(makeText(Kind::String, readText(readLE(8)))); break;
        case SHORT_BINSTRING: push(makeText(Kind::String, readText(readLE(1)))); break;  // Python 2 str
        case BINSTRING: push(makeText(Kind::String, readText(static_cast<uint32_t>(readLE(4))))); break;
        case SHORT_BINBYTES: push(makeText(Kind::Bytes, readText(readLE(1)))); break;
        case BINBYTES: push(makeText(Kind::Bytes, readText(readLE(4)))); break;
        case BINBYTES8:
        case BYTEARRAY8: push(makeText(Kind::Bytes, readText(readLE(8)))); break;
        case EMPTY_TUPLE: push(makeTuple({})); break;
        case TUPLE: push(makeTuple(popMark())); break;
        case TUPLE1:
        case TUPLE2:
        case TUPLE3: {
            std::vector<PickleValue*> items(op - TUPLE1 + 1);
            for (size_t i = items.size(); i-- > 0;) items[i] = pop();
            push(makeTuple(std::move(items)));
            break;
        }
        case EMPTY_LIST: push(make(Kind::List)); break;
        case LIST: {
            PickleValue* l = make(Kind::List);
            l->items = popMark();
            push(l);
            break;
        }
        case APPEND: {
            PickleValue* item = pop();
            appendItems(top(), {item}, Kind::List);
            break;
        }
        case APPENDS: {
            const auto items = popMark();
            appendItems(top(), items, Kind::List);
            break;
        }
        case EMPTY_DICT: push(make(Kind::Dict)); break;
        case DICT: {
            const auto kv = popMark();
            PickleValue* d = make(Kind::Dict);
            setItems(d, kv);
            push(d);
            break;
        }
        case SETITEM: {
            PickleValue* v = pop();
            PickleValue* k = pop();
            setItems(top(), {k, v});
            break;
        }
        case SETITEMS: {
            const auto kv = popMark();
            setItems(top(), kv);
            break;
        }
        case EMPTY_SET: push(make(Kind::Set)); break;
        case ADDITEMS: {
            const auto items = popMark();
            appendItems(top(), items, Kind::Set);
            break;
        }
        case FROZENSET: {
            PickleValue* s = make(Kind::Set);
            s->items = popMark();
            push(s);
            break;
        }
        case BINPUT: memoPut(readLE(1)); break;
        case LONG_BINPUT: memoPut(readLE(4)); break;
        case MEMOIZE: memoPut(memo_.size()); break;
        case BINGET: push(memoGet(readLE(1))); break;
        case LONG_BINGET: push(memoGet(readLE(4))); break;
        case GLOBAL: {
            const std::string module = readLine();
            const std::string name = readLine();
            pushGlobal(module, name);
            break;
        }
        case STACK_GLOBAL: {
            PickleValue* name = pop();
            PickleValue* module = pop();
            if (module->kind != Kind::String || name->kind != Kind::String) fail("STACK_GLOBAL needs two strings");
            pushGlobal(module->text, name->text);
            break;
        }
        case REDUCE: {
            PickleValue* args = pop();
            PickleValue* callable = pop();
            push(call(callable, args));
            break;
        }
        case NEWOBJ: {
            PickleValue* args = pop();
            PickleValue* cls = pop();
            push(construct(cls, args));
            break;
        }
        case NEWOBJ_EX: {
            pop();  // keyword arguments
            PickleValue* args = pop();
            PickleValue* cls = pop();
            push(construct(cls, args));
            break;
        }
        case BUILD: {
            pop();  // the state
            build(top());
            break;
        }
        case BINPERSID: persistentLoad(pop()); break;
        case 'i': {  // INST module\nname\n: protocol 0's way to build any object
            const std::string module = readLine();
            refuse(module + "." + readLine());
        }
        case 'o': refuse("behind an OBJ instruction");
        case 0x82:
        case 0x83:
        case 0x84: refuse("from the extension registry (EXT1/EXT2/EXT4)");
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", op);
            fail(std::string("unsupported instruction ") + hex + " (torch.save writes pickle protocols 2 to 5)");
        }
        }
    }
}

}  // namespace

Unpickled unpickle(const uint8_t* data, size_t size, PickleArena& arena, const StorageResolver& storages,
                   const std::string& what) {
    return Machine(data, size, arena, storages, what).run();
}

}  // namespace tessera::engine::pickle
