#!/usr/bin/python3
"""decode-tfevents.py — reads TensorBoard event files with the protobuf
library and checks everything gantrain's writer promises.

    /usr/bin/python3 scripts/decode-tfevents.py [--no-time] FILE...

Needs only Debian's python3-protobuf: the Event / Summary messages are built
at run time from descriptor_pb2 (field numbers of TensorFlow's event.proto
and summary.proto), so neither TensorFlow nor protoc is required.

For each record it checks the TFRecord framing (length, masked CRC32C of the
length and of the data), parses the Event, and checks that
  - the protobuf library finds no unknown fields and re-encodes the message
    to exactly the bytes in the file (so the hand encoding is canonical);
  - the first event is file_version "brain.Event:2", later ones carry a
    summary or a session_log; wall_time is positive and never decreases;
  - an image value is a PNG whose header matches height, width and
    colorspace; its pixels are decoded (zlib + PNG filters) and checksummed.
Then prints one line per event:
    wall_time=T file_version=brain.Event:2
    [wall_time=T ]step=S scalar TAG bits=XXXXXXXX value=V
    [wall_time=T ]step=S image TAG WxHxC pixels_crc32=XXXXXXXX
    [wall_time=T ]step=S session_log START
--no-time leaves out wall_time (for comparisons).  Exits 1 on the first
problem, with a message that names the file and the record.
"""
import struct
import sys
import zlib

try:
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
except ImportError:
    sys.exit("decode-tfevents: python3-protobuf is missing (apt-get install python3-protobuf, "
             "or scripts/install-deps.sh)")

F = descriptor_pb2.FieldDescriptorProto


def build_messages():
    fdp = descriptor_pb2.FileDescriptorProto(name="gantrain_tfevents_check.proto",
                                             package="tensorflow", syntax="proto3")

    def field(msg, name, number, ftype, type_name=None, label=F.LABEL_OPTIONAL, oneof=None):
        f = msg.field.add(name=name, number=number, type=ftype, label=label)
        if type_name:
            f.type_name = type_name
        if oneof is not None:
            f.oneof_index = oneof

    summary = fdp.message_type.add(name="Summary")
    image = summary.nested_type.add(name="Image")
    field(image, "height", 1, F.TYPE_INT32)
    field(image, "width", 2, F.TYPE_INT32)
    field(image, "colorspace", 3, F.TYPE_INT32)
    field(image, "encoded_image_string", 4, F.TYPE_BYTES)
    value = summary.nested_type.add(name="Value")
    value.oneof_decl.add(name="value")
    field(value, "node_name", 7, F.TYPE_STRING)
    field(value, "tag", 1, F.TYPE_STRING)
    field(value, "simple_value", 2, F.TYPE_FLOAT, oneof=0)
    field(value, "obsolete_old_style_histogram", 3, F.TYPE_BYTES, oneof=0)
    field(value, "image", 4, F.TYPE_MESSAGE, ".tensorflow.Summary.Image", oneof=0)
    field(summary, "value", 1, F.TYPE_MESSAGE, ".tensorflow.Summary.Value", F.LABEL_REPEATED)

    slog = fdp.message_type.add(name="SessionLog")
    status = slog.enum_type.add(name="SessionStatus")
    for i, n in enumerate(["STATUS_UNSPECIFIED", "START", "STOP", "CHECKPOINT"]):
        status.value.add(name=n, number=i)
    field(slog, "status", 1, F.TYPE_ENUM, ".tensorflow.SessionLog.SessionStatus")
    field(slog, "checkpoint_path", 2, F.TYPE_STRING)
    field(slog, "msg", 3, F.TYPE_STRING)

    event = fdp.message_type.add(name="Event")
    event.oneof_decl.add(name="what")
    field(event, "wall_time", 1, F.TYPE_DOUBLE)
    field(event, "step", 2, F.TYPE_INT64)
    field(event, "file_version", 3, F.TYPE_STRING, oneof=0)
    field(event, "graph_def", 4, F.TYPE_BYTES, oneof=0)
    field(event, "summary", 5, F.TYPE_MESSAGE, ".tensorflow.Summary", oneof=0)
    field(event, "session_log", 7, F.TYPE_MESSAGE, ".tensorflow.SessionLog", oneof=0)
    field(event, "meta_graph_def", 9, F.TYPE_BYTES, oneof=0)

    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    desc = pool.FindMessageTypeByName("tensorflow.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def _crc32c_table():
    t = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = (c >> 8) ^ CRC32C_TABLE[(c ^ b) & 0xFF]
    return c ^ 0xFFFFFFFF


def masked_crc(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class Bad(Exception):
    pass


def unknown_fields(msg):
    """True when msg or any submessage has fields the schema does not know."""
    try:
        from google.protobuf import unknown_fields as uf
        if len(uf.UnknownFieldSet(msg)):
            return True
    except ImportError:
        if len(msg.UnknownFields()):
            return True
    for fd, val in msg.ListFields():
        if fd.type == F.TYPE_MESSAGE:
            subs = val if fd.label == F.LABEL_REPEATED else [val]
            if any(unknown_fields(s) for s in subs):
                return True
    return False


def png_pixels(png):
    """Width, height, channels and the unfiltered pixel bytes of an 8-bit PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise Bad("encoded_image_string is not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + n]
        if struct.unpack(">I", png[pos + 8 + n:pos + 12 + n])[0] != zlib.crc32(kind + body):
            raise Bad("PNG chunk %r has a bad CRC" % kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if ihdr is None:
        raise Bad("PNG has no IHDR")
    w, h, depth, ctype, _, _, interlace = ihdr
    channels = {0: 1, 4: 2, 2: 3, 6: 4}.get(ctype)
    if depth != 8 or channels is None or interlace:
        raise Bad("PNG is not 8-bit grey/RGB/RGBA non-interlaced")
    raw = zlib.decompress(idat)
    stride = w * channels
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xFF
            elif f == 2:
                line[x] = (line[x] + b) & 0xFF
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
            elif f != 0:
                raise Bad("PNG row %d has filter type %d" % (y, f))
        out += line
        prev = line
    return w, h, channels, bytes(out)


def decode(path, Event, show_time):
    data = open(path, "rb").read()
    pos, index, last_time, lines = 0, 0, 0.0, []
    while pos < len(data):
        where = "record %d (byte %d)" % (index, pos)
        if len(data) - pos < 12:
            raise Bad("%s: truncated record header" % where)
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        if struct.unpack("<I", data[pos + 8:pos + 12])[0] != masked_crc(header):
            raise Bad("%s: length CRC mismatch" % where)
        if len(data) - pos - 12 < length + 4:
            raise Bad("%s: truncated record data" % where)
        body = data[pos + 12:pos + 12 + length]
        if struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])[0] != masked_crc(body):
            raise Bad("%s: data CRC mismatch" % where)
        pos += 16 + length

        ev = Event()
        try:
            ev.ParseFromString(body)
        except Exception as e:  # DecodeError
            raise Bad("%s: not an Event: %s" % (where, e))
        if unknown_fields(ev):
            raise Bad("%s: fields unknown to event.proto/summary.proto" % where)
        if ev.SerializeToString() != body:
            raise Bad("%s: the protobuf library encodes this Event differently" % where)
        if not (ev.wall_time > 0) or ev.wall_time < last_time:
            raise Bad("%s: wall_time %r is not positive or goes back" % (where, ev.wall_time))
        last_time = ev.wall_time
        what = ev.WhichOneof("what")
        prefix = "" if not show_time else "wall_time=%.6f " % ev.wall_time
        if index == 0:
            if what != "file_version" or ev.file_version != "brain.Event:2":
                raise Bad("%s: the first event is not file_version brain.Event:2" % where)
            lines.append("%sfile_version=%s" % (prefix, ev.file_version))
        elif what == "summary":
            if not ev.summary.value:
                raise Bad("%s: empty summary" % where)
            for v in ev.summary.value:
                kind = v.WhichOneof("value")
                if kind == "simple_value":
                    bits = struct.unpack("<I", struct.pack("<f", v.simple_value))[0]
                    lines.append("%sstep=%d scalar %s bits=%08x value=%.9g"
                                 % (prefix, ev.step, v.tag, bits, v.simple_value))
                elif kind == "image":
                    im = v.image
                    w, h, c, pix = png_pixels(im.encoded_image_string)
                    if (w, h, c) != (im.width, im.height, im.colorspace):
                        raise Bad("%s: image '%s' says %dx%dx%d but its PNG is %dx%dx%d"
                                  % (where, v.tag, im.width, im.height, im.colorspace, w, h, c))
                    lines.append("%sstep=%d image %s %dx%dx%d pixels_crc32=%08x"
                                 % (prefix, ev.step, v.tag, w, h, c, zlib.crc32(pix)))
                else:
                    raise Bad("%s: value '%s' is neither a scalar nor an image" % (where, v.tag))
        elif what == "session_log":
            status = ev.session_log.DESCRIPTOR.fields_by_name["status"].enum_type
            lines.append("%sstep=%d session_log %s"
                         % (prefix, ev.step, status.values_by_number[ev.session_log.status].name))
        else:
            raise Bad("%s: event carries %s" % (where, what))
        index += 1
    if index == 0:
        raise Bad("empty file")
    return lines


def main(argv):
    show_time = True
    files = []
    for a in argv[1:]:
        if a == "--no-time":
            show_time = False
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            files.append(a)
    if not files:
        print("usage: decode-tfevents.py [--no-time] FILE...", file=sys.stderr)
        return 2
    Event = build_messages()
    for path in files:
        try:
            lines = decode(path, Event, show_time)
        except (Bad, OSError) as e:
            print("decode-tfevents: %s: %s" % (path, e), file=sys.stderr)
            return 1
        if len(files) > 1:
            print("# %s" % path)
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
