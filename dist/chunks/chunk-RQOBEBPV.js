import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);
import {
  require_tar_stream
} from "./chunk-IMTOK44H.js";
import {
  __commonJS,
  __require,
  __toESM
} from "./chunk-735RXGZ6.js";

// node_modules/pend/index.js
var require_pend = __commonJS({
  "node_modules/pend/index.js"(exports, module) {
    module.exports = Pend;
    function Pend() {
      this.pending = 0;
      this.max = Infinity;
      this.listeners = [];
      this.waiting = [];
      this.error = null;
    }
    Pend.prototype.go = function(fn) {
      if (this.pending < this.max) {
        pendGo(this, fn);
      } else {
        this.waiting.push(fn);
      }
    };
    Pend.prototype.wait = function(cb) {
      if (this.pending === 0) {
        cb(this.error);
      } else {
        this.listeners.push(cb);
      }
    };
    Pend.prototype.hold = function() {
      return pendHold(this);
    };
    function pendHold(self) {
      self.pending += 1;
      var called = false;
      return onCb;
      function onCb(err) {
        if (called) throw new Error("callback called twice");
        called = true;
        self.error = self.error || err;
        self.pending -= 1;
        if (self.waiting.length > 0 && self.pending < self.max) {
          pendGo(self, self.waiting.shift());
        } else if (self.pending === 0) {
          var listeners = self.listeners;
          self.listeners = [];
          listeners.forEach(cbListener);
        }
      }
      function cbListener(listener) {
        listener(self.error);
      }
    }
    function pendGo(self, fn) {
      fn(pendHold(self));
    }
  }
});

// node_modules/yauzl/fd-slicer.js
var require_fd_slicer = __commonJS({
  "node_modules/yauzl/fd-slicer.js"(exports) {
    var fs = __require("fs");
    var util = __require("util");
    var stream = __require("stream");
    var Readable2 = stream.Readable;
    var PassThrough = stream.PassThrough;
    var Pend = require_pend();
    var EventEmitter = __require("events").EventEmitter;
    exports.BufferSlicer = BufferSlicer;
    exports.FdSlicer = FdSlicer;
    util.inherits(FdSlicer, EventEmitter);
    function FdSlicer(fd) {
      EventEmitter.call(this);
      this.fd = fd;
      this.pend = new Pend();
      this.pend.max = 1;
      this.refCount = 0;
    }
    FdSlicer.prototype.read = function(buffer, offset, length, position, callback) {
      var self = this;
      self.pend.go(function(cb) {
        fs.read(self.fd, buffer, offset, length, position, function(err, bytesRead, buffer2) {
          cb();
          callback(err, bytesRead, buffer2);
        });
      });
    };
    FdSlicer.prototype.createReadStream = function(options2) {
      return new ReadStream(this, options2);
    };
    FdSlicer.prototype.ref = function() {
      this.refCount += 1;
    };
    FdSlicer.prototype.unref = function() {
      var self = this;
      self.refCount -= 1;
      if (self.refCount < 0) throw new Error("invalid unref");
      if (self.refCount > 0) return;
      fs.close(self.fd, onCloseDone);
      function onCloseDone(err) {
        if (err) {
          self.emit("error", err);
        } else {
          self.emit("close");
        }
      }
    };
    util.inherits(ReadStream, Readable2);
    function ReadStream(context, options2) {
      options2 = options2 || {};
      Readable2.call(this, options2);
      this.context = context;
      this.context.ref();
      this.start = options2.start || 0;
      this.endOffset = options2.end;
      this.pos = this.start;
    }
    ReadStream.prototype._read = function(n) {
      var self = this;
      var toRead = Math.min(self._readableState.highWaterMark, n);
      if (self.endOffset != null) {
        toRead = Math.min(toRead, self.endOffset - self.pos);
      }
      if (toRead <= 0) {
        self.push(null);
        this._cleanup();
        return;
      }
      self.context.pend.go(function(cb) {
        var buffer = Buffer.allocUnsafe(toRead);
        fs.read(self.context.fd, buffer, 0, toRead, self.pos, function(err, bytesRead) {
          if (err) {
            self.destroy(err);
          } else if (bytesRead === 0) {
            self.push(null);
            self._cleanup();
          } else {
            self.pos += bytesRead;
            self.push(buffer.slice(0, bytesRead));
          }
          cb();
        });
      });
    };
    ReadStream.prototype._destroy = function(err, cb) {
      this._cleanup();
      cb(err);
    };
    ReadStream.prototype._cleanup = function() {
      if (this.context != null) {
        this.context.unref();
        this.context = null;
      }
    };
    util.inherits(BufferSlicer, EventEmitter);
    function BufferSlicer(buffer) {
      EventEmitter.call(this);
      this.refCount = 0;
      this.buffer = buffer;
    }
    BufferSlicer.prototype.read = function(buffer, offset, length, position, callback) {
      if (!(0 <= offset && offset <= buffer.length)) throw new RangeError("offset outside buffer: 0 <= " + offset + " <= " + buffer.length);
      if (position < 0) throw new RangeError("position is negative: " + position);
      if (offset + length > buffer.length) {
        length = buffer.length - offset;
      }
      if (position + length > this.buffer.length) {
        length = this.buffer.length - position;
      }
      if (length <= 0) {
        setImmediate(function() {
          callback(null, 0);
        });
        return;
      }
      this.buffer.copy(buffer, offset, position, position + length);
      setImmediate(function() {
        callback(null, length);
      });
    };
    BufferSlicer.prototype.createReadStream = function(options2) {
      options2 = options2 || {};
      var readStream = new PassThrough(options2);
      readStream.start = options2.start || 0;
      readStream.endOffset = options2.end;
      readStream.pos = readStream.endOffset || this.buffer.length;
      var entireSlice = this.buffer.slice(readStream.start, readStream.pos);
      var maxChunkSize = 65536;
      var offset = 0;
      while (true) {
        var nextOffset = offset + maxChunkSize;
        if (nextOffset >= entireSlice.length) {
          if (offset < entireSlice.length) {
            readStream.write(entireSlice.slice(offset, entireSlice.length));
          }
          break;
        }
        readStream.write(entireSlice.slice(offset, nextOffset));
        offset = nextOffset;
      }
      readStream.end();
      return readStream;
    };
    BufferSlicer.prototype.ref = function() {
      this.refCount += 1;
    };
    BufferSlicer.prototype.unref = function() {
      this.refCount -= 1;
      if (this.refCount < 0) {
        throw new Error("invalid unref");
      }
    };
  }
});

// node_modules/yauzl/crc32.js
var require_crc32 = __commonJS({
  "node_modules/yauzl/crc32.js"(exports, module) {
    var CRC_TABLE2 = new Int32Array([
      0,
      1996959894,
      3993919788,
      2567524794,
      124634137,
      1886057615,
      3915621685,
      2657392035,
      249268274,
      2044508324,
      3772115230,
      2547177864,
      162941995,
      2125561021,
      3887607047,
      2428444049,
      498536548,
      1789927666,
      4089016648,
      2227061214,
      450548861,
      1843258603,
      4107580753,
      2211677639,
      325883990,
      1684777152,
      4251122042,
      2321926636,
      335633487,
      1661365465,
      4195302755,
      2366115317,
      997073096,
      1281953886,
      3579855332,
      2724688242,
      1006888145,
      1258607687,
      3524101629,
      2768942443,
      901097722,
      1119000684,
      3686517206,
      2898065728,
      853044451,
      1172266101,
      3705015759,
      2882616665,
      651767980,
      1373503546,
      3369554304,
      3218104598,
      565507253,
      1454621731,
      3485111705,
      3099436303,
      671266974,
      1594198024,
      3322730930,
      2970347812,
      795835527,
      1483230225,
      3244367275,
      3060149565,
      1994146192,
      31158534,
      2563907772,
      4023717930,
      1907459465,
      112637215,
      2680153253,
      3904427059,
      2013776290,
      251722036,
      2517215374,
      3775830040,
      2137656763,
      141376813,
      2439277719,
      3865271297,
      1802195444,
      476864866,
      2238001368,
      4066508878,
      1812370925,
      453092731,
      2181625025,
      4111451223,
      1706088902,
      314042704,
      2344532202,
      4240017532,
      1658658271,
      366619977,
      2362670323,
      4224994405,
      1303535960,
      984961486,
      2747007092,
      3569037538,
      1256170817,
      1037604311,
      2765210733,
      3554079995,
      1131014506,
      879679996,
      2909243462,
      3663771856,
      1141124467,
      855842277,
      2852801631,
      3708648649,
      1342533948,
      654459306,
      3188396048,
      3373015174,
      1466479909,
      544179635,
      3110523913,
      3462522015,
      1591671054,
      702138776,
      2966460450,
      3352799412,
      1504918807,
      783551873,
      3082640443,
      3233442989,
      3988292384,
      2596254646,
      62317068,
      1957810842,
      3939845945,
      2647816111,
      81470997,
      1943803523,
      3814918930,
      2489596804,
      225274430,
      2053790376,
      3826175755,
      2466906013,
      167816743,
      2097651377,
      4027552580,
      2265490386,
      503444072,
      1762050814,
      4150417245,
      2154129355,
      426522225,
      1852507879,
      4275313526,
      2312317920,
      282753626,
      1742555852,
      4189708143,
      2394877945,
      397917763,
      1622183637,
      3604390888,
      2714866558,
      953729732,
      1340076626,
      3518719985,
      2797360999,
      1068828381,
      1219638859,
      3624741850,
      2936675148,
      906185462,
      1090812512,
      3747672003,
      2825379669,
      829329135,
      1181335161,
      3412177804,
      3160834842,
      628085408,
      1382605366,
      3423369109,
      3138078467,
      570562233,
      1426400815,
      3317316542,
      2998733608,
      733239954,
      1555261956,
      3268935591,
      3050360625,
      752459403,
      1541320221,
      2607071920,
      3965973030,
      1969922972,
      40735498,
      2617837225,
      3943577151,
      1913087877,
      83908371,
      2512341634,
      3803740692,
      2075208622,
      213261112,
      2463272603,
      3855990285,
      2094854071,
      198958881,
      2262029012,
      4057260610,
      1759359992,
      534414190,
      2176718541,
      4139329115,
      1873836001,
      414664567,
      2282248934,
      4279200368,
      1711684554,
      285281116,
      2405801727,
      4167216745,
      1634467795,
      376229701,
      2685067896,
      3608007406,
      1308918612,
      956543938,
      2808555105,
      3495958263,
      1231636301,
      1047427035,
      2932959818,
      3654703836,
      1088359270,
      936918e3,
      2847714899,
      3736837829,
      1202900863,
      817233897,
      3183342108,
      3401237130,
      1404277552,
      615818150,
      3134207493,
      3453421203,
      1423857449,
      601450431,
      3009837614,
      3294710456,
      1567103746,
      711928724,
      3020668471,
      3272380065,
      1510334235,
      755167117
    ]);
    function crc322(buf) {
      let crc = -1;
      for (let x of buf) {
        crc = CRC_TABLE2[(crc ^ x) & 255] ^ crc >>> 8;
      }
      return (crc ^ -1) >>> 0;
    }
    module.exports = crc322;
  }
});

// node_modules/yauzl/index.js
var require_yauzl = __commonJS({
  "node_modules/yauzl/index.js"(exports) {
    var fs = __require("fs");
    var zlib4 = __require("zlib");
    var fd_slicer = require_fd_slicer();
    var util = __require("util");
    var EventEmitter = __require("events").EventEmitter;
    var Transform2 = __require("stream").Transform;
    var PassThrough = __require("stream").PassThrough;
    var Writable = __require("stream").Writable;
    var crc322 = typeof zlib4.crc32 === "function" ? zlib4.crc32 : require_crc32();
    exports.open = open4;
    exports.fromFd = fromFd;
    exports.fromBuffer = fromBuffer;
    exports.fromRandomAccessReader = fromRandomAccessReader;
    exports.openPromise = openPromise;
    exports.fromFdPromise = fromFdPromise;
    exports.fromBufferPromise = fromBufferPromise;
    exports.fromRandomAccessReaderPromise = fromRandomAccessReaderPromise;
    exports.dosDateTimeToDate = dosDateTimeToDate;
    exports.getFileNameLowLevel = getFileNameLowLevel;
    exports.validateFileName = validateFileName;
    exports.parseExtraFields = parseExtraFields;
    exports.ZipFile = ZipFile;
    exports.Entry = Entry;
    exports.LocalFileHeader = LocalFileHeader;
    exports.RandomAccessReader = RandomAccessReader;
    function openPromise(path, options2) {
      return new Promise((resolve, reject) => {
        open4(path, { ...options2, lazyEntries: true }, function(err, zipfile) {
          if (err) return reject(err);
          resolve(zipfile);
        });
      });
    }
    function fromFdPromise(fd, options2) {
      return new Promise((resolve, reject) => {
        fromFd(fd, { ...options2, lazyEntries: true }, function(err, zipfile) {
          if (err) return reject(err);
          resolve(zipfile);
        });
      });
    }
    function fromBufferPromise(buffer, options2) {
      return new Promise((resolve, reject) => {
        fromBuffer(buffer, { ...options2, lazyEntries: true }, function(err, zipfile) {
          if (err) return reject(err);
          resolve(zipfile);
        });
      });
    }
    function fromRandomAccessReaderPromise(reader, totalSize, options2) {
      return new Promise((resolve, reject) => {
        fromRandomAccessReader(reader, totalSize, { ...options2, lazyEntries: true }, function(err, zipfile) {
          if (err) return reject(err);
          resolve(zipfile);
        });
      });
    }
    function open4(path, options2, callback) {
      if (typeof options2 === "function") {
        callback = options2;
        options2 = null;
      }
      if (options2 == null) options2 = {};
      if (options2.autoClose == null) options2.autoClose = true;
      if (options2.lazyEntries == null) options2.lazyEntries = false;
      if (options2.decodeStrings == null) options2.decodeStrings = true;
      if (options2.validateEntrySizes == null) options2.validateEntrySizes = true;
      if (options2.strictFileNames == null) options2.strictFileNames = false;
      if (callback == null) callback = defaultCallback;
      fs.open(path, "r", function(err, fd) {
        if (err) return callback(err);
        fromFd(fd, options2, function(err2, zipfile) {
          if (err2) fs.close(fd, defaultCallback);
          callback(err2, zipfile);
        });
      });
    }
    function fromFd(fd, options2, callback) {
      if (typeof options2 === "function") {
        callback = options2;
        options2 = null;
      }
      if (options2 == null) options2 = {};
      if (options2.autoClose == null) options2.autoClose = false;
      if (options2.lazyEntries == null) options2.lazyEntries = false;
      if (options2.decodeStrings == null) options2.decodeStrings = true;
      if (options2.validateEntrySizes == null) options2.validateEntrySizes = true;
      if (options2.strictFileNames == null) options2.strictFileNames = false;
      if (callback == null) callback = defaultCallback;
      fs.fstat(fd, function(err, stats) {
        if (err) return callback(err);
        var reader = new fd_slicer.FdSlicer(fd);
        fromRandomAccessReader(reader, stats.size, options2, callback);
      });
    }
    function fromBuffer(buffer, options2, callback) {
      if (typeof options2 === "function") {
        callback = options2;
        options2 = null;
      }
      if (options2 == null) options2 = {};
      options2.autoClose = false;
      if (options2.lazyEntries == null) options2.lazyEntries = false;
      if (options2.decodeStrings == null) options2.decodeStrings = true;
      if (options2.validateEntrySizes == null) options2.validateEntrySizes = true;
      if (options2.strictFileNames == null) options2.strictFileNames = false;
      var reader = new fd_slicer.BufferSlicer(buffer);
      fromRandomAccessReader(reader, buffer.length, options2, callback);
    }
    function fromRandomAccessReader(reader, totalSize, options2, callback) {
      if (typeof options2 === "function") {
        callback = options2;
        options2 = null;
      }
      if (options2 == null) options2 = {};
      if (options2.autoClose == null) options2.autoClose = true;
      if (options2.lazyEntries == null) options2.lazyEntries = false;
      if (options2.decodeStrings == null) options2.decodeStrings = true;
      var decodeStrings = !!options2.decodeStrings;
      if (options2.validateEntrySizes == null) options2.validateEntrySizes = true;
      if (options2.strictFileNames == null) options2.strictFileNames = false;
      if (callback == null) callback = defaultCallback;
      if (typeof totalSize !== "number") throw new Error("expected totalSize parameter to be a number");
      if (totalSize > Number.MAX_SAFE_INTEGER) {
        throw new Error("zip file too large. only file sizes up to 2^52 are supported due to JavaScript's Number type being an IEEE 754 double.");
      }
      reader.ref();
      var eocdrWithoutCommentSize = 22;
      var zip64EocdlSize = 20;
      var maxCommentSize = 65535;
      var bufferSize = Math.min(zip64EocdlSize + eocdrWithoutCommentSize + maxCommentSize, totalSize);
      var buffer = newBuffer(bufferSize);
      var bufferReadStart = totalSize - buffer.length;
      readAndAssertNoEof(reader, buffer, 0, bufferSize, bufferReadStart, function(err) {
        if (err) return callback(err);
        for (var i = bufferSize - eocdrWithoutCommentSize; i >= 0; i -= 1) {
          if (buffer.readUInt32LE(i) !== 101010256) continue;
          var eocdrBuffer = buffer.subarray(i);
          var diskNumber = eocdrBuffer.readUInt16LE(4);
          var entryCount = eocdrBuffer.readUInt16LE(10);
          var centralDirectoryOffset = eocdrBuffer.readUInt32LE(16);
          var commentLength = eocdrBuffer.readUInt16LE(20);
          var expectedCommentLength = eocdrBuffer.length - eocdrWithoutCommentSize;
          if (commentLength !== expectedCommentLength) {
            return callback(new Error("Invalid comment length. Expected: " + expectedCommentLength + ". Found: " + commentLength + ". Are there extra bytes at the end of the file? Or is the end of central dir signature `PK\u263A\u263B` in the comment?"));
          }
          var comment = decodeStrings ? decodeBuffer(eocdrBuffer.subarray(22), false) : eocdrBuffer.subarray(22);
          if (i - zip64EocdlSize >= 0 && buffer.readUInt32LE(i - zip64EocdlSize) === 117853008) {
            var zip64EocdlBuffer = buffer.subarray(i - zip64EocdlSize, i - zip64EocdlSize + zip64EocdlSize);
            var zip64EocdrOffset = readUInt64LE(zip64EocdlBuffer, 8);
            var zip64EocdrBuffer = newBuffer(56);
            return readAndAssertNoEof(reader, zip64EocdrBuffer, 0, zip64EocdrBuffer.length, zip64EocdrOffset, function(err2) {
              if (err2) return callback(err2);
              if (zip64EocdrBuffer.readUInt32LE(0) !== 101075792) {
                return callback(new Error("invalid zip64 end of central directory record signature"));
              }
              diskNumber = zip64EocdrBuffer.readUInt32LE(16);
              if (diskNumber !== 0) {
                return callback(new Error("multi-disk zip files are not supported: found disk number: " + diskNumber));
              }
              entryCount = readUInt64LE(zip64EocdrBuffer, 32);
              centralDirectoryOffset = readUInt64LE(zip64EocdrBuffer, 48);
              return callback(null, new ZipFile(reader, centralDirectoryOffset, totalSize, entryCount, comment, options2.autoClose, options2.lazyEntries, decodeStrings, options2.validateEntrySizes, options2.strictFileNames));
            });
          }
          if (diskNumber !== 0) {
            return callback(new Error("multi-disk zip files are not supported: found disk number: " + diskNumber));
          }
          return callback(null, new ZipFile(reader, centralDirectoryOffset, totalSize, entryCount, comment, options2.autoClose, options2.lazyEntries, decodeStrings, options2.validateEntrySizes, options2.strictFileNames));
        }
        callback(new Error("End of central directory record signature not found. Either not a zip file, or file is truncated."));
      });
    }
    util.inherits(ZipFile, EventEmitter);
    function ZipFile(reader, centralDirectoryOffset, fileSize, entryCount, comment, autoClose, lazyEntries, decodeStrings, validateEntrySizes, strictFileNames) {
      var self = this;
      EventEmitter.call(self);
      self.reader = reader;
      self.reader.on("error", function(err) {
        emitError(self, err);
      });
      self.reader.once("close", function() {
        self.emit("close");
      });
      self.readEntryCursor = centralDirectoryOffset;
      self.fileSize = fileSize;
      self.entryCount = entryCount;
      self.comment = comment;
      self.entriesRead = 0;
      self.autoClose = !!autoClose;
      self.lazyEntries = !!lazyEntries;
      self.decodeStrings = !!decodeStrings;
      self.validateEntrySizes = !!validateEntrySizes;
      self.strictFileNames = !!strictFileNames;
      self.isOpen = true;
      self.emittedError = false;
      self.hasEachEntryBeenCalled = false;
      if (!self.lazyEntries) self._readEntry();
    }
    ZipFile.prototype.close = function() {
      if (!this.isOpen) return;
      this.isOpen = false;
      this.reader.unref();
    };
    function emitErrorAndAutoClose(self, err) {
      if (self.autoClose) self.close();
      emitError(self, err);
    }
    function emitError(self, err) {
      if (self.emittedError) return;
      self.emittedError = true;
      self.emit("error", err);
    }
    ZipFile.prototype.readEntry = function() {
      if (!this.lazyEntries) throw new Error("readEntry() called without lazyEntries:true");
      this._readEntry();
    };
    ZipFile.prototype._readEntry = function() {
      var self = this;
      if (self.entryCount === self.entriesRead) {
        setImmediate(function() {
          if (self.autoClose) self.close();
          if (self.emittedError) return;
          self.emit("end");
        });
        return;
      }
      if (self.emittedError) return;
      var buffer = newBuffer(46);
      readAndAssertNoEof(self.reader, buffer, 0, buffer.length, self.readEntryCursor, function(err) {
        if (err) return emitErrorAndAutoClose(self, err);
        if (self.emittedError) return;
        var entry = new Entry();
        var signature = buffer.readUInt32LE(0);
        if (signature !== 33639248) return emitErrorAndAutoClose(self, new Error("invalid central directory file header signature: 0x" + signature.toString(16)));
        entry.versionMadeBy = buffer.readUInt16LE(4);
        entry.versionNeededToExtract = buffer.readUInt16LE(6);
        entry.generalPurposeBitFlag = buffer.readUInt16LE(8);
        entry.compressionMethod = buffer.readUInt16LE(10);
        entry.lastModFileTime = buffer.readUInt16LE(12);
        entry.lastModFileDate = buffer.readUInt16LE(14);
        entry.crc32 = buffer.readUInt32LE(16);
        entry.compressedSize = buffer.readUInt32LE(20);
        entry.uncompressedSize = buffer.readUInt32LE(24);
        entry.fileNameLength = buffer.readUInt16LE(28);
        entry.extraFieldLength = buffer.readUInt16LE(30);
        entry.fileCommentLength = buffer.readUInt16LE(32);
        entry.internalFileAttributes = buffer.readUInt16LE(36);
        entry.externalFileAttributes = buffer.readUInt32LE(38);
        entry.relativeOffsetOfLocalHeader = buffer.readUInt32LE(42);
        if (entry.generalPurposeBitFlag & 64) return emitErrorAndAutoClose(self, new Error("strong encryption is not supported"));
        self.readEntryCursor += 46;
        buffer = newBuffer(entry.fileNameLength + entry.extraFieldLength + entry.fileCommentLength);
        readAndAssertNoEof(self.reader, buffer, 0, buffer.length, self.readEntryCursor, function(err2) {
          if (err2) return emitErrorAndAutoClose(self, err2);
          if (self.emittedError) return;
          entry.fileNameRaw = buffer.subarray(0, entry.fileNameLength);
          var fileCommentStart = entry.fileNameLength + entry.extraFieldLength;
          entry.extraFieldRaw = buffer.subarray(entry.fileNameLength, fileCommentStart);
          entry.fileCommentRaw = buffer.subarray(fileCommentStart, fileCommentStart + entry.fileCommentLength);
          try {
            entry.extraFields = parseExtraFields(entry.extraFieldRaw);
          } catch (err3) {
            return emitErrorAndAutoClose(self, err3);
          }
          if (self.decodeStrings) {
            var isUtf8 = (entry.generalPurposeBitFlag & 2048) !== 0;
            entry.fileComment = decodeBuffer(entry.fileCommentRaw, isUtf8);
            entry.fileName = getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, self.strictFileNames);
            var errorMessage = validateFileName(entry.fileName);
            if (errorMessage != null) return emitErrorAndAutoClose(self, new Error(errorMessage));
          } else {
            entry.fileComment = entry.fileCommentRaw;
            entry.fileName = entry.fileNameRaw;
          }
          entry.comment = entry.fileComment;
          self.readEntryCursor += buffer.length;
          self.entriesRead += 1;
          for (var i = 0; i < entry.extraFields.length; i++) {
            var extraField = entry.extraFields[i];
            if (extraField.id !== 1) continue;
            var zip64EiefBuffer = extraField.data;
            var index = 0;
            if (entry.uncompressedSize === 4294967295) {
              if (index + 8 > zip64EiefBuffer.length) {
                return emitErrorAndAutoClose(self, new Error("zip64 extended information extra field does not include uncompressed size"));
              }
              entry.uncompressedSize = readUInt64LE(zip64EiefBuffer, index);
              index += 8;
            }
            if (entry.compressedSize === 4294967295) {
              if (index + 8 > zip64EiefBuffer.length) {
                return emitErrorAndAutoClose(self, new Error("zip64 extended information extra field does not include compressed size"));
              }
              entry.compressedSize = readUInt64LE(zip64EiefBuffer, index);
              index += 8;
            }
            if (entry.relativeOffsetOfLocalHeader === 4294967295) {
              if (index + 8 > zip64EiefBuffer.length) {
                return emitErrorAndAutoClose(self, new Error("zip64 extended information extra field does not include relative header offset"));
              }
              entry.relativeOffsetOfLocalHeader = readUInt64LE(zip64EiefBuffer, index);
              index += 8;
            }
            break;
          }
          if (self.validateEntrySizes && entry.compressionMethod === 0) {
            var expectedCompressedSize = entry.uncompressedSize;
            if (entry.isEncrypted()) {
              expectedCompressedSize += 12;
            }
            if (entry.compressedSize !== expectedCompressedSize) {
              var msg = "compressed/uncompressed size mismatch for stored file: " + entry.compressedSize + " != " + entry.uncompressedSize;
              return emitErrorAndAutoClose(self, new Error(msg));
            }
          }
          self.emit("entry", entry);
          if (!self.lazyEntries) self._readEntry();
        });
      });
    };
    ZipFile.prototype.eachEntry = function() {
      const self = this;
      if (!self.lazyEntries) throw new Error("eachEntry() requires lazyEntries: true");
      if (self.hasEachEntryBeenCalled) throw new Error("eachEntry() must only be called once per ZipFile");
      self.hasEachEntryBeenCalled = true;
      let pendingResolveReject = null;
      self.on("entry", onEntry);
      self.on("end", onEnd);
      self.on("error", onError);
      function cleanup() {
        self.removeListener("entry", onEntry);
        self.removeListener("end", onEnd);
        self.removeListener("error", onError);
        if (self.autoClose) self.close();
      }
      function onEntry(entry) {
        let { resolve } = pendingResolveReject;
        pendingResolveReject = null;
        resolve({ value: entry });
      }
      function onEnd() {
        let { resolve } = pendingResolveReject;
        pendingResolveReject = null;
        cleanup();
        resolve({ done: true });
      }
      function onError(err) {
        let { reject } = pendingResolveReject;
        pendingResolveReject = null;
        cleanup();
        reject(err);
      }
      return {
        [Symbol.asyncIterator]() {
          return this;
        },
        next() {
          const promise = new Promise((resolve, reject) => {
            if (pendingResolveReject != null) throw new Error("next() called before previous Promise was resolved.");
            pendingResolveReject = { resolve, reject };
          });
          self.readEntry();
          return promise;
        },
        return(value) {
          cleanup();
          return Promise.resolve({ done: true, value });
        },
        throw(value) {
          cleanup();
          return Promise.reject(value);
        }
      };
    };
    ZipFile.prototype.openReadStream = function(entry, options2, callback) {
      var self = this;
      var relativeStart = 0;
      var relativeEnd = entry.compressedSize;
      if (callback == null) {
        callback = options2;
        options2 = null;
      }
      if (options2 == null) {
        options2 = {};
      } else {
        if (options2.decodeFileData === false) {
          if (options2.decrypt != null) {
            throw new Error("cannot use options.decrypt when options.decodeFileData === false");
          }
          if (options2.decompress != null) {
            throw new Error("cannot use options.decompress when options.decodeFileData === false");
          }
        } else {
          if (options2.decrypt != null) {
            if (!entry.isEncrypted()) {
              throw new Error("options.decrypt can only be specified for encrypted entries. See also option decodeFileData.");
            }
            if (options2.decrypt !== false) throw new Error("invalid options.decrypt value: " + options2.decrypt);
            if (entry.isCompressed()) {
              if (options2.decompress !== false) throw new Error("entry is encrypted and compressed, and options.decompress !== false. See also option decodeFileData.");
            }
          }
          if (options2.decompress != null) {
            if (!entry.isCompressed()) {
              throw new Error("options.decompress can only be specified for compressed entries. See also option decodeFileData.");
            }
            if (!(options2.decompress === false || options2.decompress === true)) {
              throw new Error("invalid options.decompress value: " + options2.decompress);
            }
            decompress = options2.decompress;
          }
        }
        if (options2.start != null) {
          relativeStart = options2.start;
          if (relativeStart < 0) throw new Error("options.start < 0");
          if (relativeStart > entry.compressedSize) throw new Error("options.start > entry.compressedSize");
        }
        if (options2.end != null) {
          relativeEnd = options2.end;
          if (relativeEnd < 0) throw new Error("options.end < 0");
          if (relativeEnd > entry.compressedSize) throw new Error("options.end > entry.compressedSize");
          if (relativeEnd < relativeStart) throw new Error("options.end < options.start");
        }
      }
      var rawMode = options2.decodeFileData === false || // Explicitly requested raw.
      (entry.compressionMethod === 0 || // Naturally without compression.
      entry.compressionMethod === 8 && options2.decompress === false) && (!entry.isEncrypted() || // Naturally without encryption.
      options2.decrypt === false);
      if (options2.start != null || options2.end != null) {
        if (!rawMode) throw new Error("start/end range require options.decodeFileData === false for non-trivial encoded entries.");
      }
      if (!self.isOpen) return callback(new Error("closed"));
      if (entry.isEncrypted() && !rawMode) {
        if (options2.decrypt !== false) return callback(new Error("entry is encrypted, and options.decodeFileData !== false"));
      }
      var decompress;
      if (rawMode) {
        decompress = false;
      } else if (entry.compressionMethod === 8) {
        decompress = options2.decodeFileData !== true;
      } else {
        return callback(new Error("unsupported compression method: " + entry.compressionMethod));
      }
      self.readLocalFileHeader(entry, { minimal: true }, function(err, localFileHeader) {
        if (err) return callback(err);
        self.openReadStreamLowLevel(
          localFileHeader.fileDataStart,
          entry.compressedSize,
          relativeStart,
          relativeEnd,
          decompress,
          entry.uncompressedSize,
          callback
        );
      });
    };
    ZipFile.prototype.openReadStreamLowLevel = function(fileDataStart, compressedSize, relativeStart, relativeEnd, decompress, uncompressedSize, callback) {
      var self = this;
      var fileDataEnd = fileDataStart + compressedSize;
      var readStream = self.reader.createReadStream({
        start: fileDataStart + relativeStart,
        end: fileDataStart + relativeEnd
      });
      var endpointStream = readStream;
      if (decompress) {
        var destroyed = false;
        var inflateFilter = zlib4.createInflateRaw();
        readStream.on("error", function(err) {
          setImmediate(function() {
            if (!destroyed) inflateFilter.emit("error", err);
          });
        });
        readStream.pipe(inflateFilter);
        if (self.validateEntrySizes) {
          endpointStream = new AssertByteCountStream(uncompressedSize);
          inflateFilter.on("error", function(err) {
            setImmediate(function() {
              if (!destroyed) endpointStream.emit("error", err);
            });
          });
          inflateFilter.pipe(endpointStream);
        } else {
          endpointStream = inflateFilter;
        }
        installDestroyFn(endpointStream, function() {
          destroyed = true;
          if (inflateFilter !== endpointStream) inflateFilter.unpipe(endpointStream);
          readStream.unpipe(inflateFilter);
          readStream.destroy();
        });
      }
      callback(null, endpointStream);
    };
    ZipFile.prototype.readLocalFileHeader = function(entry, options2, callback) {
      var self = this;
      if (callback == null) {
        callback = options2;
        options2 = null;
      }
      if (options2 == null) options2 = {};
      self.reader.ref();
      var buffer = newBuffer(30);
      readAndAssertNoEof(self.reader, buffer, 0, buffer.length, entry.relativeOffsetOfLocalHeader, function(err) {
        try {
          if (err) return callback(err);
          var signature = buffer.readUInt32LE(0);
          if (signature !== 67324752) {
            return callback(new Error("invalid local file header signature: 0x" + signature.toString(16)));
          }
          var fileNameLength = buffer.readUInt16LE(26);
          var extraFieldLength = buffer.readUInt16LE(28);
          var fileDataStart = entry.relativeOffsetOfLocalHeader + 30 + fileNameLength + extraFieldLength;
          if (fileDataStart + entry.compressedSize > self.fileSize) {
            return callback(new Error("file data overflows file bounds: " + fileDataStart + " + " + entry.compressedSize + " > " + self.fileSize));
          }
          if (options2.minimal) {
            return callback(null, { fileDataStart });
          }
          var localFileHeader = new LocalFileHeader();
          localFileHeader.fileDataStart = fileDataStart;
          localFileHeader.versionNeededToExtract = buffer.readUInt16LE(4);
          localFileHeader.generalPurposeBitFlag = buffer.readUInt16LE(6);
          localFileHeader.compressionMethod = buffer.readUInt16LE(8);
          localFileHeader.lastModFileTime = buffer.readUInt16LE(10);
          localFileHeader.lastModFileDate = buffer.readUInt16LE(12);
          localFileHeader.crc32 = buffer.readUInt32LE(14);
          localFileHeader.compressedSize = buffer.readUInt32LE(18);
          localFileHeader.uncompressedSize = buffer.readUInt32LE(22);
          localFileHeader.fileNameLength = fileNameLength;
          localFileHeader.extraFieldLength = extraFieldLength;
          buffer = newBuffer(fileNameLength + extraFieldLength);
          self.reader.ref();
          readAndAssertNoEof(self.reader, buffer, 0, buffer.length, entry.relativeOffsetOfLocalHeader + 30, function(err2) {
            try {
              if (err2) return callback(err2);
              localFileHeader.fileName = buffer.subarray(0, fileNameLength);
              localFileHeader.extraField = buffer.subarray(fileNameLength);
              return callback(null, localFileHeader);
            } finally {
              self.reader.unref();
            }
          });
        } finally {
          self.reader.unref();
        }
      });
    };
    ZipFile.prototype.openReadStreamPromise = function(entry, options2) {
      return new Promise((resolve, reject) => {
        this.openReadStream(entry, options2, function(err, readStream) {
          if (err) return reject(err);
          resolve(readStream);
        });
      });
    };
    ZipFile.prototype.openReadStreamLowLevelPromise = function(fileDataStart, compressedSize, relativeStart, relativeEnd, decompress, uncompressedSize) {
      return new Promise((resolve, reject) => {
        this.openReadStream(fileDataStart, compressedSize, relativeStart, relativeEnd, decompress, uncompressedSize, function(err, readStream) {
          if (err) return reject(err);
          resolve(readStream);
        });
      });
    };
    ZipFile.prototype.readLocalFileHeaderPromise = function(entry, options2) {
      return new Promise((resolve, reject) => {
        this.readLocalFileHeader(entry, options2, function(err, localFileHeader) {
          if (err) return reject(err);
          resolve(localFileHeader);
        });
      });
    };
    function Entry() {
    }
    Entry.prototype.getLastModDate = function(options2) {
      if (options2 == null) options2 = {};
      if (!options2.forceDosFormat) {
        for (var i = 0; i < this.extraFields.length; i++) {
          var extraField = this.extraFields[i];
          if (extraField.id === 21589) {
            var data = extraField.data;
            if (data.length < 5) continue;
            var flags = data[0];
            var HAS_MTIME = 1;
            if (!(flags & HAS_MTIME)) continue;
            var posixTimestamp = data.readInt32LE(1);
            return new Date(posixTimestamp * 1e3);
          } else if (extraField.id === 10) {
            var data = extraField.data;
            if (data.length !== 32) continue;
            if (data.readUInt16LE(4) !== 1) continue;
            if (data.readUInt16LE(6) !== 24) continue;
            var hundredNanoSecondsSince1601 = data.readUInt32LE(8) + 4294967296 * data.readInt32LE(12);
            var millisecondsSince1970 = hundredNanoSecondsSince1601 / 1e4 - 116444736e5;
            return new Date(millisecondsSince1970);
          }
        }
      }
      return dosDateTimeToDate(this.lastModFileDate, this.lastModFileTime, options2.timezone);
    };
    Entry.prototype.canDecodeFileData = function() {
      return !this.isEncrypted() && (this.compressionMethod === 0 || this.compressionMethod === 8);
    };
    Entry.prototype.isEncrypted = function() {
      return (this.generalPurposeBitFlag & 1) !== 0;
    };
    Entry.prototype.isCompressed = function() {
      return this.compressionMethod === 8;
    };
    function LocalFileHeader() {
    }
    function dosDateTimeToDate(date, time, timezone) {
      var day = date & 31;
      var month = (date >> 5 & 15) - 1;
      var year = (date >> 9 & 127) + 1980;
      var millisecond = 0;
      var second = (time & 31) * 2;
      var minute = time >> 5 & 63;
      var hour = time >> 11 & 31;
      if (timezone == null || timezone === "local") {
        return new Date(year, month, day, hour, minute, second, millisecond);
      } else if (timezone === "UTC") {
        return new Date(Date.UTC(year, month, day, hour, minute, second, millisecond));
      } else {
        throw new Error("unrecognized options.timezone: " + options.timezone);
      }
    }
    function getFileNameLowLevel(generalPurposeBitFlag, fileNameBuffer, extraFields, strictFileNames) {
      var fileName = null;
      for (var i = 0; i < extraFields.length; i++) {
        var extraField = extraFields[i];
        if (extraField.id === 28789) {
          if (extraField.data.length < 6) {
            continue;
          }
          if (extraField.data.readUInt8(0) !== 1) {
            continue;
          }
          var oldNameCrc32 = extraField.data.readUInt32LE(1);
          if (crc322(fileNameBuffer) !== oldNameCrc32) {
            continue;
          }
          fileName = decodeBuffer(extraField.data.subarray(5), true);
          break;
        }
      }
      if (fileName == null) {
        var isUtf8 = (generalPurposeBitFlag & 2048) !== 0;
        fileName = decodeBuffer(fileNameBuffer, isUtf8);
      }
      if (!strictFileNames) {
        fileName = fileName.replace(/\\/g, "/");
      }
      return fileName;
    }
    function validateFileName(fileName) {
      if (fileName.indexOf("\\") !== -1) {
        return "invalid characters in fileName: " + fileName;
      }
      if (/^[a-zA-Z]:/.test(fileName) || /^\//.test(fileName)) {
        return "absolute path: " + fileName;
      }
      if (fileName.split("/").indexOf("..") !== -1) {
        return "invalid relative path: " + fileName;
      }
      return null;
    }
    function parseExtraFields(extraFieldBuffer) {
      var extraFields = [];
      var i = 0;
      while (i < extraFieldBuffer.length - 3) {
        var headerId = extraFieldBuffer.readUInt16LE(i + 0);
        var dataSize = extraFieldBuffer.readUInt16LE(i + 2);
        var dataStart = i + 4;
        var dataEnd = dataStart + dataSize;
        if (dataEnd > extraFieldBuffer.length) throw new Error("extra field length exceeds extra field buffer size");
        var dataBuffer = extraFieldBuffer.subarray(dataStart, dataEnd);
        extraFields.push({
          id: headerId,
          data: dataBuffer
        });
        i = dataEnd;
      }
      return extraFields;
    }
    function readAndAssertNoEof(reader, buffer, offset, length, position, callback) {
      if (length === 0) {
        return setImmediate(function() {
          callback(null, newBuffer(0));
        });
      }
      reader.read(buffer, offset, length, position, function(err, bytesRead) {
        if (err) return callback(err);
        if (bytesRead < length) {
          return callback(new Error("unexpected EOF"));
        }
        callback();
      });
    }
    util.inherits(AssertByteCountStream, Transform2);
    function AssertByteCountStream(byteCount) {
      Transform2.call(this);
      this.actualByteCount = 0;
      this.expectedByteCount = byteCount;
    }
    AssertByteCountStream.prototype._transform = function(chunk, encoding, cb) {
      this.actualByteCount += chunk.length;
      if (this.actualByteCount > this.expectedByteCount) {
        var msg = "too many bytes in the stream. expected " + this.expectedByteCount + ". got at least " + this.actualByteCount;
        return cb(new Error(msg));
      }
      cb(null, chunk);
    };
    AssertByteCountStream.prototype._flush = function(cb) {
      if (this.actualByteCount < this.expectedByteCount) {
        var msg = "not enough bytes in the stream. expected " + this.expectedByteCount + ". got only " + this.actualByteCount;
        return cb(new Error(msg));
      }
      cb();
    };
    util.inherits(RandomAccessReader, EventEmitter);
    function RandomAccessReader() {
      EventEmitter.call(this);
      this.refCount = 0;
    }
    RandomAccessReader.prototype.ref = function() {
      this.refCount += 1;
    };
    RandomAccessReader.prototype.unref = function() {
      var self = this;
      self.refCount -= 1;
      if (self.refCount > 0) return;
      if (self.refCount < 0) throw new Error("invalid unref");
      self.close(onCloseDone);
      function onCloseDone(err) {
        if (err) return self.emit("error", err);
        self.emit("close");
      }
    };
    RandomAccessReader.prototype.createReadStream = function(options2) {
      if (options2 == null) options2 = {};
      var start = options2.start;
      var end = options2.end;
      if (start === end) {
        var emptyStream = new PassThrough();
        setImmediate(function() {
          emptyStream.end();
        });
        return emptyStream;
      }
      var stream = this._readStreamForRange(start, end);
      var destroyed = false;
      var refUnrefFilter = new RefUnrefFilter(this);
      stream.on("error", function(err) {
        setImmediate(function() {
          if (!destroyed) refUnrefFilter.emit("error", err);
        });
      });
      installDestroyFn(refUnrefFilter, function() {
        stream.unpipe(refUnrefFilter);
        refUnrefFilter.unref();
        stream.destroy();
      });
      var byteCounter = new AssertByteCountStream(end - start);
      refUnrefFilter.on("error", function(err) {
        setImmediate(function() {
          if (!destroyed) byteCounter.emit("error", err);
        });
      });
      installDestroyFn(byteCounter, function() {
        destroyed = true;
        refUnrefFilter.unpipe(byteCounter);
        refUnrefFilter.destroy();
      });
      return stream.pipe(refUnrefFilter).pipe(byteCounter);
    };
    RandomAccessReader.prototype._readStreamForRange = function(start, end) {
      throw new Error("not implemented");
    };
    RandomAccessReader.prototype.read = function(buffer, offset, length, position, callback) {
      var readStream = this.createReadStream({ start: position, end: position + length });
      var writeStream = new Writable();
      var written = 0;
      writeStream._write = function(chunk, encoding, cb) {
        chunk.copy(buffer, offset + written, 0, chunk.length);
        written += chunk.length;
        cb();
      };
      writeStream.on("finish", callback);
      readStream.on("error", function(error) {
        callback(error);
      });
      readStream.pipe(writeStream);
    };
    RandomAccessReader.prototype.close = function(callback) {
      setImmediate(callback);
    };
    util.inherits(RefUnrefFilter, PassThrough);
    function RefUnrefFilter(context) {
      PassThrough.call(this);
      this.context = context;
      this.context.ref();
      this.unreffedYet = false;
    }
    RefUnrefFilter.prototype._flush = function(cb) {
      this.unref();
      cb();
    };
    RefUnrefFilter.prototype.unref = function(cb) {
      if (this.unreffedYet) return;
      this.unreffedYet = true;
      this.context.unref();
    };
    var cp437 = "\0\u263A\u263B\u2665\u2666\u2663\u2660\u2022\u25D8\u25CB\u25D9\u2642\u2640\u266A\u266B\u263C\u25BA\u25C4\u2195\u203C\xB6\xA7\u25AC\u21A8\u2191\u2193\u2192\u2190\u221F\u2194\u25B2\u25BC !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u2302\xC7\xFC\xE9\xE2\xE4\xE0\xE5\xE7\xEA\xEB\xE8\xEF\xEE\xEC\xC4\xC5\xC9\xE6\xC6\xF4\xF6\xF2\xFB\xF9\xFF\xD6\xDC\xA2\xA3\xA5\u20A7\u0192\xE1\xED\xF3\xFA\xF1\xD1\xAA\xBA\xBF\u2310\xAC\xBD\xBC\xA1\xAB\xBB\u2591\u2592\u2593\u2502\u2524\u2561\u2562\u2556\u2555\u2563\u2551\u2557\u255D\u255C\u255B\u2510\u2514\u2534\u252C\u251C\u2500\u253C\u255E\u255F\u255A\u2554\u2569\u2566\u2560\u2550\u256C\u2567\u2568\u2564\u2565\u2559\u2558\u2552\u2553\u256B\u256A\u2518\u250C\u2588\u2584\u258C\u2590\u2580\u03B1\xDF\u0393\u03C0\u03A3\u03C3\xB5\u03C4\u03A6\u0398\u03A9\u03B4\u221E\u03C6\u03B5\u2229\u2261\xB1\u2265\u2264\u2320\u2321\xF7\u2248\xB0\u2219\xB7\u221A\u207F\xB2\u25A0\xA0";
    function decodeBuffer(buffer, isUtf8) {
      if (isUtf8) {
        return buffer.toString("utf8");
      } else {
        var result = "";
        for (var i = 0; i < buffer.length; i++) {
          result += cp437[buffer[i]];
        }
        return result;
      }
    }
    function readUInt64LE(buffer, offset) {
      var lower32 = buffer.readUInt32LE(offset);
      var upper32 = buffer.readUInt32LE(offset + 4);
      return upper32 * 4294967296 + lower32;
    }
    var newBuffer;
    if (typeof Buffer.allocUnsafe === "function") {
      newBuffer = function(len) {
        return Buffer.allocUnsafe(len);
      };
    } else {
      newBuffer = function(len) {
        return new Buffer(len);
      };
    }
    function installDestroyFn(stream, fn) {
      if (typeof stream.destroy === "function") {
        stream._destroy = function(err, cb) {
          fn();
          if (cb != null) cb(err);
        };
      } else {
        stream.destroy = fn;
      }
    }
    function defaultCallback(err) {
      if (err) throw err;
    }
  }
});

// src/core/heap.ts
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
var HEAP_STEP = 16 * 1024 * 1024;
var YOUNG_MOST = 8 * 1024 * 1024;
var LOOK_MS = 100;
var started = false;
var DROPPED_STEP = 8 * 1024 * 1024;
var droppedBytes = 0;
var scavenge;
function dropped(bytes) {
  if (!scavenge) return;
  droppedBytes += bytes;
  if (droppedBytes < DROPPED_STEP) return;
  droppedBytes = 0;
  scavenge();
}
function keepHeapSmall() {
  if (started) return;
  started = true;
  let gc;
  try {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc");
    const collect = gc;
    scavenge = () => collect({ type: "minor" });
  } catch {
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
  let capped = false;
  const capYoung = () => {
    if (capped || (getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0) < YOUNG_MOST) return;
    setFlagsFromString("--semi-space-growth-factor=1");
    capped = true;
  };
  capYoung();
  let base = getHeapStatistics().used_heap_size;
  setInterval(() => {
    capYoung();
    if (typeof gc !== "function" || getHeapStatistics().used_heap_size < base + HEAP_STEP) return;
    gc();
    base = getHeapStatistics().used_heap_size;
  }, LOOK_MS).unref();
}

// src/core/check-task.ts
import { closeSync as closeSync2, constants as constants2, fstatSync as fstatSync2, openSync as openSync2 } from "node:fs";
import { open as open3 } from "node:fs/promises";

// src/core/untrusted.ts
var NAME_CHARACTERS = /^[A-Za-z0-9._+!-]+$/;
var MAX_NAME_LENGTH = 255;
var UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu;
var MAX_QUOTED = 300;
function hasUnprintable(text) {
  UNPRINTABLE.lastIndex = 0;
  return UNPRINTABLE.test(text);
}
function escapeCharacter(character) {
  const json = JSON.stringify(character).slice(1, -1);
  if (json !== character) return json;
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`;
}
function plain(text) {
  const escaped = text.replace(UNPRINTABLE, escapeCharacter);
  return escaped.startsWith("::") ? ` ${escaped}` : escaped;
}
var SHOWN_RAW = /^[\x21\x23-\x5b\x5d-\x5f\x61-\x7e]+$/;
function quote(name) {
  if (name.length <= MAX_NAME_LENGTH && SHOWN_RAW.test(name)) return name;
  const shown = name.length > MAX_QUOTED ? name.slice(0, MAX_QUOTED) : name;
  const json = JSON.stringify(shown).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return name.length > MAX_QUOTED ? `${json}\u2026 (${name.length} characters)` : json;
}
function nameProblem(name) {
  if (name === "") return "is an empty name";
  if (name.length > MAX_NAME_LENGTH) return `is ${name.length} characters long; a file name has at most ${MAX_NAME_LENGTH}`;
  if (hasUnprintable(name)) return "holds control or invisible characters";
  if (/[\\/]/.test(name)) return "holds a path separator; a container is flat";
  if (name.startsWith(".")) return "starts with a dot";
  if (name.includes("..")) return 'holds ".."';
  if (!NAME_CHARACTERS.test(name)) return "holds characters no distribution or sidecar name can have (only letters, digits and . _ + ! -)";
  return void 0;
}

// src/core/errors.ts
var WheelGuardError = class extends Error {
  /** CLI exit code: 1 for integrity or an incomplete set, 2 for usage. */
  exitCode = 1;
  /** Whether the same operation may succeed if tried again. */
  retryable = false;
  constructor(message, options2) {
    super(message, options2);
    this.name = new.target.name;
  }
};
var InputError = class extends WheelGuardError {
  exitCode = 2;
};
var SidecarFormatError = class extends WheelGuardError {
  constructor(file, detail) {
    super(`${file}: ${detail}`);
    this.file = file;
  }
  file;
};
var IntegrityError = class extends WheelGuardError {
  constructor(file, expected, actual, size, detail) {
    super(
      `${file}: sha256 mismatch${detail ? ` (${detail})` : ""}: expected ${expected}, got ${actual} over ${size} bytes`
    );
    this.file = file;
    this.expected = expected;
    this.actual = actual;
    this.size = size;
  }
  file;
  expected;
  actual;
  size;
  retryable = true;
};
var TransferError = class extends WheelGuardError {
  retryable = true;
};
var ContainerError = class extends WheelGuardError {
};
var UnreachableError = class extends ContainerError {
  retryable = true;
};
var ContentError = class extends WheelGuardError {
  constructor(file, member, detail) {
    super(`${file}: content check failed${member !== void 0 ? ` at ${quote(member)}` : ""}: ${detail}`);
    this.file = file;
    this.member = member;
    this.detail = detail;
  }
  file;
  member;
  detail;
};
var NotFoundError = class extends WheelGuardError {
};
var ConflictError = class extends WheelGuardError {
};
var NETWORK_CODES = /* @__PURE__ */ new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE"
]);
function isRetryable(error) {
  if (error instanceof WheelGuardError) return error.retryable;
  const code = error?.code;
  return typeof code === "string" && NETWORK_CODES.has(code);
}
function isNetworkFailure(error) {
  const code = error?.code;
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up|other side closed/.test(`${typeof code === "string" ? code : ""} ${messageOf(error)}`);
}
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

// src/core/findings.ts
var Findings = class {
  constructor(file, strict) {
    this.file = file;
    this.strict = strict;
  }
  file;
  strict;
  warnings = [];
  /** Something odd that pip and installer let through: a warning, or (strict) a ContentError. */
  odd(member, detail) {
    if (this.strict) throw new ContentError(this.file, member, `${detail}; refused because strict is on`);
    const where = member === void 0 ? "" : ` at ${quote(member)}`;
    this.warnings.push({ file: this.file, ...member === void 0 ? {} : { member }, detail, message: `${this.file}: odd${where}: ${detail}` });
  }
};

// src/core/files.ts
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readlinkSync, readSync } from "node:fs";
import { lstat, open, readdir, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
function nameKey(name, platform = process.platform) {
  return platform === "darwin" || platform === "win32" ? name.toLowerCase() : name;
}
var RUN_ID = randomBytes(6).toString("hex");
function temporaryName(name) {
  return `.${name}.wg-${RUN_ID}-${randomBytes(4).toString("hex")}.tmp`;
}
var TEMPORARY = /^\..+\.wg-([0-9a-f]{12})(?:-[0-9a-f]{8})?\.tmp$/;
var LOCK = /^\.wheel-guard-([0-9a-f]{12})\.lock$/;
var lockName = (run) => `.wheel-guard-${run}.lock`;
var LEFTOVER_AGE_MS = 15 * 60 * 1e3;
var LOCK_REFRESH_MS = 60 * 1e3;
var NotRegularFileError = class extends WheelGuardError {
};
function kindOf(info) {
  if (info.isSymbolicLink()) return "a symbolic link";
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO";
  if (info.isSocket()) return "a socket";
  if (info.isBlockDevice() || info.isCharacterDevice()) return "a device";
  return "not a regular file";
}
function irregular(info) {
  return info.isFile() ? void 0 : `is ${kindOf(info)}, not a regular file; only regular files are read`;
}
async function openRegular(path, shownName, lookFirst = !HAS_NOFOLLOW) {
  const looked = lookFirst ? await lstat(path, { bigint: true }).catch((error) => Promise.reject(openError(error, shownName))) : void 0;
  if (looked?.isSymbolicLink()) throw linkRefused(shownName);
  let handle;
  try {
    handle = await open(path, regularFlags(lookFirst));
  } catch (error) {
    throw openError(error, shownName);
  }
  const opened = looked ? await handle.stat({ bigint: true }) : await handle.stat();
  const why = irregular(opened) ?? (looked ? swapped(looked, opened) : void 0);
  if (why) {
    await handle.close();
    throw new NotRegularFileError(`${quote(shownName)} ${why}`);
  }
  return handle;
}
var HAS_NOFOLLOW = constants.O_NOFOLLOW !== void 0;
function swapped(looked, opened) {
  return looked.ino === opened.ino && looked.dev === opened.dev ? void 0 : "was replaced while it was being opened; only regular files are read";
}
function regularFlags(lookFirst) {
  return lookFirst ? REGULAR_FLAGS & ~(constants.O_NOFOLLOW ?? 0) : REGULAR_FLAGS;
}
var REGULAR_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
function openError(error, shownName) {
  const code = error.code;
  if (code === "ELOOP" || code === "EMLINK") return linkRefused(shownName);
  return error;
}
function linkRefused(shownName) {
  return new NotRegularFileError(`${quote(shownName)} is a symbolic link, not a regular file; only regular files are read`);
}
function openRegularSync(path, shownName, lookFirst = !HAS_NOFOLLOW) {
  let looked;
  if (lookFirst) {
    try {
      looked = lstatSync(path, { bigint: true });
    } catch (error) {
      throw openError(error, shownName);
    }
    if (looked?.isSymbolicLink()) throw linkRefused(shownName);
  }
  let fd;
  try {
    fd = openSync(path, regularFlags(lookFirst));
  } catch (error) {
    throw openError(error, shownName);
  }
  let why;
  try {
    const opened = looked ? fstatSync(fd, { bigint: true }) : fstatSync(fd);
    why = irregular(opened) ?? (looked ? swapped(looked, opened) : void 0);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (why) {
    closeSync(fd);
    throw new NotRegularFileError(`${quote(shownName)} ${why}`);
  }
  return fd;
}
function readSmallSync(path, shownName, limit, tooLarge2) {
  const fd = openRegularSync(path, shownName);
  try {
    const buffer = Buffer.allocUnsafe(limit + 1);
    let filled = 0;
    for (let got = -1; got !== 0 && filled < buffer.length; filled += got) got = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (filled > limit) throw tooLarge2();
    return Buffer.from(buffer.subarray(0, filled));
  } finally {
    closeSync(fd);
  }
}
function lstatOrNothingSync(path) {
  return lstatSync(path, { throwIfNoEntry: false });
}
async function lstatOrNothing(path) {
  try {
    return await lstat(path);
  } catch (error) {
    if (error.code === "ENOENT") return void 0;
    throw error;
  }
}
function sinkTo(handle, each) {
  return async (source) => {
    let batch = [];
    let bytes = 0;
    const flush = async () => {
      const chunks = batch;
      const size = bytes;
      batch = [];
      bytes = 0;
      let at = 0;
      while (at < chunks.length) {
        const { bytesWritten } = await handle.writev(chunks.slice(at));
        let written = bytesWritten;
        while (at < chunks.length && written >= chunks[at].length) written -= chunks[at++].length;
        if (written > 0) chunks[at] = chunks[at].subarray(written);
      }
      dropped(size);
    };
    let writing;
    try {
      for await (const chunk of source) {
        each?.(chunk);
        batch.push(chunk);
        bytes += chunk.length;
        if (bytes >= SINK_BATCH) {
          await writing;
          writing = flush();
          writing.catch(() => void 0);
        }
      }
    } finally {
      try {
        await writing;
      } finally {
        if (bytes > 0) await flush();
      }
    }
  };
}
var SINK_BATCH = 256 * 1024;
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}
var machine;
function thisMachine() {
  if (!machine) {
    machine = { host: hostname() };
    try {
      machine.boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
    }
    try {
      machine.pidns = readlinkSync("/proc/self/ns/pid");
    } catch {
    }
  }
  return machine;
}
var LOCK_MAX_BYTES = 4096;
function lockHolder(path) {
  try {
    const parsed = JSON.parse(readSmallSync(path, path, LOCK_MAX_BYTES, () => new Error("not a lock")).toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : void 0;
  } catch {
    return void 0;
  }
}
async function lockIsDead(path, info, now) {
  if (now - info.mtimeMs >= LEFTOVER_AGE_MS) return true;
  const holder = lockHolder(path);
  const pid = holder?.pid;
  if (!holder || typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) return false;
  const me = thisMachine();
  return holder.host === me.host && holder.boot === me.boot && holder.pidns === me.pidns && !alive(pid);
}
async function lockDirectory(dir) {
  const lock = join(dir, lockName(RUN_ID));
  const text = `${JSON.stringify({ pid: process.pid, ...thisMachine(), started: (/* @__PURE__ */ new Date()).toISOString() })}
`;
  await writeFile(lock, text);
  const timer = setInterval(() => {
    writeFile(lock, text).catch(() => void 0);
  }, LOCK_REFRESH_MS);
  timer.unref();
  await removeLeftovers(dir, (await lstatOrNothing(lock))?.mtimeMs ?? Date.now());
  return {
    release: async () => {
      clearInterval(timer);
      await rm(lock, { force: true });
    }
  };
}
async function removeLeftovers(dir, now) {
  const byRun = /* @__PURE__ */ new Map();
  for (const name of await readdir(dir)) {
    const run = TEMPORARY.exec(name)?.[1] ?? LOCK.exec(name)?.[1];
    if (run !== void 0 && run !== RUN_ID) byRun.set(run, [...byRun.get(run) ?? [], name]);
  }
  for (const [run, names] of byRun) {
    const lockPath = join(dir, lockName(run));
    const lockInfo = await lstatOrNothing(lockPath);
    if (lockInfo && !await lockIsDead(lockPath, lockInfo, now)) continue;
    for (const name of names) {
      const info = await lstatOrNothing(join(dir, name));
      if (!info || !lockInfo && now - info.mtimeMs < LEFTOVER_AGE_MS) continue;
      await rm(join(dir, name), { force: true }).catch(() => void 0);
    }
  }
}
var HELD_CODES = /* @__PURE__ */ new Set(["EPERM", "EACCES", "EBUSY"]);
async function renameOver(from, to, shownName, options2 = {}) {
  const move = options2.rename ?? rename;
  const sleep = options2.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  const budget = options2.budgetMs ?? 1e4;
  let waited = 0;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1e3)) {
    try {
      return await move(from, to);
    } catch (error) {
      const code = error.code;
      if ((options2.platform ?? process.platform) !== "win32" || code === void 0 || !HELD_CODES.has(code)) throw error;
      if (waited >= budget) {
        throw new WheelGuardError(
          `${quote(shownName)}: cannot be put in place: another process holds it or its temporary copy (${code} for ${Math.round(waited / 1e3)} s); close what has it open (an editor, pip, an antivirus scan) and run again`,
          { cause: error }
        );
      }
      await sleep(delay);
      waited += delay;
    }
  }
}

// src/core/scan.ts
import { createHash } from "node:crypto";
import { read, readSync as readSync2 } from "node:fs";
import { isMainThread } from "node:worker_threads";

// src/core/bounds.ts
import { Transform } from "node:stream";
var MAX_SIDECAR_BYTES = 4096;
var MAX_SUMS_BYTES = 32 * 1024 * 1024;
var MAX_LISTING_ENTRIES = 2e5;
var MAX_LISTING_PAGE_BYTES = 16 * 1024 * 1024;
var MAX_WEB_LISTING_BYTES = MAX_SUMS_BYTES;
var MAX_REDIRECTS = 5;
var MAX_ANNOTATIONS = 50;
var MAX_SUMMARY_BYTES = 900 * 1024;
var MAX_HELD_TAIL = 8 * 1024 * 1024;
var LimitError = class extends WheelGuardError {
};
function formatCap(bytes) {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
var LimitStream = class extends Transform {
  constructor(limit, error) {
    super();
    this.limit = limit;
    this.error = error;
  }
  limit;
  error;
  bytes = 0;
  _transform(chunk, _enc, done) {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(this.error(this.bytes));
    done(null, chunk);
  }
};
function tooLarge(what, limit) {
  return new LimitError(`${what} is larger than ${formatCap(limit)}: refused, not read further`);
}
async function readBounded(stream, limit, what, idleMs = 3e4) {
  const chunks = [];
  let bytes = 0;
  const watchdog = setTimeout(() => stream.destroy(new TransferError(`${what}: no data for ${idleMs / 1e3} s`)), idleMs);
  try {
    for await (const chunk of stream) {
      watchdog.refresh();
      bytes += chunk.length;
      if (bytes > limit) {
        stream.destroy();
        throw tooLarge(what, limit);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof WheelGuardError) throw error;
    throw new TransferError(`${what}: the transfer broke off after ${bytes} bytes: ${messageOf(error)}`, { cause: error });
  } finally {
    clearTimeout(watchdog);
  }
  return Buffer.concat(chunks);
}

// src/core/scan.ts
var CHUNK = isMainThread ? 1024 * 1024 : 256 * 1024;
var TAIL = 256 * 1024;
var EMPTY = Buffer.alloc(0);
var idle = { chunks: [], tails: [] };
var IDLE_MOST = 4;
function release(list, buffer) {
  if (buffer && list.length < IDLE_MOST) list.push(buffer);
}
var READS_IN_PLACE = !isMainThread;
function readAt(fd, buffer, position) {
  if (READS_IN_PLACE) {
    try {
      return Promise.resolve(readAtSync(fd, buffer, position));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => {
    const more = (done) => {
      if (done === buffer.length) return resolve(buffer);
      read(fd, buffer, done, buffer.length - done, position + done, (error, bytes) => {
        if (error) return reject(error);
        if (bytes === 0) return reject(Object.assign(new Error(`the file ended at byte ${position + done}, before its size when opened`), { code: "WG_SHORT_READ" }));
        more(done + bytes);
      });
    };
    more(0);
  });
}
function readAtSync(fd, buffer, position) {
  let done = 0;
  while (done < buffer.length) {
    const bytes = readSync2(fd, buffer, done, buffer.length - done, position + done);
    if (bytes === 0) throw Object.assign(new Error(`the file ended at byte ${position + done}, before its size when opened`), { code: "WG_SHORT_READ" });
    done += bytes;
  }
  return buffer;
}
async function readTail(fd, size) {
  let start = Math.max(0, size - TAIL);
  const pooled = idle.tails.pop() ?? Buffer.allocUnsafe(TAIL);
  let bytes = await readAt(fd, pooled.subarray(0, size - start), start);
  const directory = centralDirectoryHint(bytes, start);
  if (directory !== void 0 && directory < start && directory >= 0 && size - directory <= MAX_HELD_TAIL) {
    const whole = Buffer.allocUnsafe(size - directory);
    bytes.copy(whole, start - directory);
    release(idle.tails, pooled);
    bytes = await readAt(fd, whole.subarray(0, start - directory), directory).then(() => whole);
    start = directory;
    return { start, bytes };
  }
  return { start, bytes, pooled };
}
function releaseTail(tail) {
  release(idle.tails, tail.pooled);
  tail.pooled = void 0;
}
function centralDirectoryHint(tail, start) {
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== 101010256) continue;
    const offset = tail.readUInt32LE(i + 16);
    if (offset !== 4294967295) return offset;
    const locator = i - 20;
    if (locator < 0 || tail.readUInt32LE(locator) !== 117853008) return void 0;
    const record = Number(tail.readBigUInt64LE(locator + 8)) - start;
    if (record < 0 || record + 56 > tail.length || tail.readUInt32LE(record) !== 101075792) return void 0;
    return Number(tail.readBigUInt64LE(record + 48));
  }
  return void 0;
}
var Scan = class {
  constructor(fd, size, options2) {
    this.fd = fd;
    this.size = size;
    this.hash = options2.hash ? createHash("sha256") : void 0;
    this.tail = options2.tail ?? { start: size, bytes: EMPTY };
    this.chunkSize = options2.chunk ?? CHUNK;
    if (size > 0) {
      this.ahead = this.read(0);
      this.ahead.catch(() => void 0);
    }
  }
  fd;
  size;
  /** The chunk being worked on: bytes [chunkStart, chunkStart + chunk.length). */
  chunk = EMPTY;
  chunkStart = 0;
  /** The buffer under `chunk`, to reuse once the scan is past it; undefined when it must not be (the tail, or handed out to be kept). */
  reusable;
  /** The next chunk, being read. */
  ahead;
  /** Buffers the scan is past, for the next reads: two or three per scan, not one per megabyte. */
  spare = [];
  hash;
  tail;
  chunkSize;
  /** Where the reader is: the bytes before it were handed out or skipped. */
  position = 0;
  /** Bytes read (and hashed) so far. */
  get loaded() {
    return this.chunkStart + this.chunk.length;
  }
  async read(at) {
    if (at >= this.tail.start) return { bytes: this.tail.bytes.subarray(at - this.tail.start) };
    const buffer = this.spare.pop() ?? (this.chunkSize === CHUNK ? idle.chunks.pop() : void 0) ?? Buffer.allocUnsafe(this.chunkSize);
    return { bytes: await readAt(this.fd, buffer.subarray(0, Math.min(this.chunkSize, this.tail.start - at)), at), buffer };
  }
  /** Makes the next chunk the current one, hashes it, and starts reading the one after. */
  async load() {
    const at = this.loaded;
    const { bytes, buffer } = await (this.ahead ?? this.read(at));
    this.ahead = void 0;
    this.hash?.update(bytes);
    if (this.reusable) this.spare.push(this.reusable);
    this.chunkStart = at;
    this.chunk = bytes;
    this.reusable = buffer;
    const after = at + bytes.length;
    if (after < this.size) {
      this.ahead = this.read(after);
      this.ahead.catch(() => void 0);
    }
  }
  /** Moves to `to` (not back), reading what lies between. */
  async skip(to) {
    const end = Math.min(to, this.size);
    while (this.loaded < end) await this.load();
    if (end > this.position) this.position = end;
  }
  /**
   * The next `n` bytes (fewer at the end of the file), in one buffer: a
   * slice of a chunk, valid until the next call of this scan, or a copy
   * where they span two. With `keep`, the slice stays valid for good (its
   * chunk is not reused).
   */
  async take(n, keep = false) {
    const end = Math.min(this.position + n, this.size);
    if (end <= this.loaded) {
      const bytes2 = this.chunk.subarray(this.position - this.chunkStart, end - this.chunkStart);
      this.position = end;
      if (keep) this.reusable = void 0;
      return bytes2;
    }
    const bytes = Buffer.allocUnsafe(end - this.position);
    let filled = 0;
    while (this.position < end) {
      if (this.position >= this.loaded) {
        await this.load();
        continue;
      }
      const stop = Math.min(end, this.loaded);
      filled += this.chunk.copy(bytes, filled, this.position - this.chunkStart, stop - this.chunkStart);
      this.position = stop;
    }
    return bytes;
  }
  /**
   * The next `n` bytes as they come, slices of the chunks (at most `most`
   * bytes each). A slice is valid until the next one is asked for: the
   * consumer must be done with it by then (an inflater waits for its
   * write's callback). With `keep`, every slice stays valid for good.
   */
  async *slices(n, most = Number.POSITIVE_INFINITY, keep = false) {
    const end = Math.min(this.position + n, this.size);
    while (this.position < end) {
      if (this.position >= this.loaded) {
        await this.load();
        continue;
      }
      const stop = Math.min(end, this.loaded, this.position + most);
      const slice = this.chunk.subarray(this.position - this.chunkStart, stop - this.chunkStart);
      this.position = stop;
      if (keep) this.reusable = void 0;
      yield slice;
    }
  }
  /**
   * Reads (and hashes) the rest of the file: its sha256 (none without
   * hashing) and size. The scan is over: nothing it handed out without
   * `keep` may be used after this.
   */
  async finish() {
    if (this.hash) while (this.loaded < this.size) await this.load();
    await this.settle();
    this.position = this.size;
    if (this.chunkSize === CHUNK) for (const buffer of [...this.spare.splice(0), this.reusable]) release(idle.chunks, buffer);
    this.reusable = void 0;
    return this.hash ? { sha256: this.hash.digest("hex"), size: this.size } : { size: this.size };
  }
  /** Waits for a read still under way, so the descriptor can be closed under no one. */
  async settle() {
    const ahead = await this.ahead?.catch(() => void 0);
    this.ahead = void 0;
    if (ahead?.buffer) this.spare.push(ahead.buffer);
  }
};

// src/core/sdist.ts
var import_tar_stream = __toESM(require_tar_stream(), 1);
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";

// src/core/normalize.ts
function normalizeName(name) {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}
function normalizeVersion(version) {
  return version.toLowerCase().replace(/-/g, "_");
}
function expandTags(python, abi, platform) {
  const tags = [];
  for (const p of python.split(".")) for (const a of abi.split(".")) for (const f of platform.split(".")) tags.push(`${p}-${a}-${f}`.toLowerCase());
  return tags;
}
var PEP440 = /^\s*v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)(?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;
var PRE_LETTERS = { alpha: "a", a: "a", beta: "b", b: "b", preview: "rc", pre: "rc", c: "rc", rc: "rc" };
function versionKey(version) {
  if (version.length > 64) return parseVersionKey(version);
  if (keys.has(version)) return keys.get(version);
  if (keys.size >= KEYS_KEPT) keys.clear();
  const key = parseVersionKey(version);
  keys.set(version, key);
  return key;
}
var keys = /* @__PURE__ */ new Map();
var KEYS_KEPT = 1024;
function parseVersionKey(version) {
  const match = PEP440.exec(version);
  if (!match?.groups) return void 0;
  const g = match.groups;
  const int = (digits) => String(Number.parseInt(digits ?? "0", 10));
  const release2 = g.release.split(".").map(int);
  while (release2.length > 1 && release2.at(-1) === "0") release2.pop();
  let key = `${int(g.epoch)}!${release2.join(".")}`;
  if (g.pre) key += `${PRE_LETTERS[g.pre_l.toLowerCase()]}${int(g.pre_n)}`;
  if (g.post) key += `.post${int(g.post_n1 ?? g.post_n2)}`;
  if (g.dev) key += `.dev${int(g.dev_n)}`;
  if (g.local) key += `+${g.local.toLowerCase().split(/[-_.]/).map((part) => /^\d+$/.test(part) ? int(part) : part).join(".")}`;
  return key;
}
function sameVersion(a, b) {
  const key = versionKey(a);
  return key !== void 0 && key === versionKey(b);
}

// src/core/zip.ts
var import_yauzl2 = __toESM(require_yauzl(), 1);
import { close as close2, fstat, open as open2 } from "node:fs";
import { promisify } from "node:util";
import zlib from "node:zlib";

// src/core/zip-reader.ts
var import_yauzl = __toESM(require_yauzl(), 1);
import { close, read as read2 } from "node:fs";
import { Readable } from "node:stream";
var CHUNK2 = 1024 * 1024;
var READ_AHEAD = 256 * 1024;
var RangeStream = class extends Readable {
  constructor(fd, position, end) {
    super({ highWaterMark: CHUNK2 });
    this.fd = fd;
    this.position = position;
    this.end = end;
  }
  fd;
  position;
  end;
  _read() {
    const length = Math.min(CHUNK2, this.end - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    read2(this.fd, buffer, 0, length, this.position, (error, bytes) => {
      if (error) return this.destroy(error);
      if (bytes === 0) return this.destroy(new Error(`unexpected end of file at byte ${this.position}`));
      this.position += bytes;
      this.push(bytes < length ? buffer.subarray(0, bytes) : buffer);
    });
  }
};
var FileReader = class extends import_yauzl.default.RandomAccessReader {
  constructor(fd, size, owned = true) {
    super();
    this.fd = fd;
    this.size = size;
    this.owned = owned;
  }
  fd;
  size;
  owned;
  ahead = Buffer.alloc(0);
  aheadStart = 0;
  /** Bytes already in memory (zip-scan.ts: the archive's tail), served from here rather than read again. */
  pinned = Buffer.alloc(0);
  pinnedStart = 0;
  /** Serves reads of [start, start + bytes.length) from `bytes`. */
  pin(bytes, start) {
    this.pinned = bytes;
    this.pinnedStart = start;
  }
  _readStreamForRange(start, end) {
    return new RangeStream(this.fd, start, end);
  }
  read(buffer, offset, length, position, callback) {
    if (position >= this.pinnedStart && position + length <= this.pinnedStart + this.pinned.length) return this.readFully(buffer, offset, length, position, callback);
    const cached = () => position >= this.aheadStart && position + length <= this.aheadStart + this.ahead.length;
    if (length <= READ_AHEAD && !cached() && position + length <= this.size) {
      const size = Math.min(READ_AHEAD, this.size - position);
      const ahead = Buffer.allocUnsafe(size);
      return this.readFully(ahead, 0, size, position, (error) => {
        if (error) return callback(error);
        this.ahead = ahead;
        this.aheadStart = position;
        this.read(buffer, offset, length, position, callback);
      });
    }
    if (cached()) {
      this.ahead.copy(buffer, offset, position - this.aheadStart, position - this.aheadStart + length);
      queueMicrotask(() => callback(null));
      return;
    }
    this.readFully(buffer, offset, length, position, callback);
  }
  /** Exactly `length` bytes at `position`, bypassing the read-ahead. */
  readFully(buffer, offset, length, position, callback) {
    if (position >= this.pinnedStart && position + length <= this.pinnedStart + this.pinned.length) {
      this.pinned.copy(buffer, offset, position - this.pinnedStart, position - this.pinnedStart + length);
      queueMicrotask(() => callback(null));
      return;
    }
    const more = (done) => {
      if (done === length) return callback(null);
      read2(this.fd, buffer, offset + done, length - done, position + done, (error, bytes) => {
        if (error) return callback(error);
        if (bytes === 0) return callback(new Error(`unexpected end of file at byte ${position + done}`));
        more(done + bytes);
      });
    };
    more(0);
  }
  close(callback) {
    if (!this.owned) return queueMicrotask(() => callback(null));
    close(this.fd, (error) => callback(error ?? null));
  }
};
var Window = class {
  constructor(reader, end, size) {
    this.reader = reader;
    this.end = end;
    this.size = size;
  }
  reader;
  end;
  size;
  buffer = Buffer.alloc(0);
  start = 0;
  /** Up to `length` bytes at `position` (fewer at the end of the readable part). */
  async bytes(position, length) {
    const available = Math.max(0, Math.min(length, this.end - position));
    if (position < this.start || position + available > this.start + this.buffer.length) {
      const size = Math.max(0, Math.min(Math.max(this.size, available), this.end - position));
      const buffer = Buffer.allocUnsafe(size);
      if (size > 0) await new Promise((resolve, reject) => this.reader.readFully(buffer, 0, size, position, (error) => error ? reject(error) : resolve()));
      this.buffer = buffer;
      this.start = position;
    }
    return this.buffer.subarray(position - this.start, position - this.start + available);
  }
};

// src/core/zip.ts
var MAX_MEMBERS = 2e5;
var MAX_RATIO = 250;
var DEFLATE_MAX_RATIO = 1032;
var DEFLATE_SLACK = 1024;
var SMALL_MEMBER = 1024 * 1024;
var DATA_WINDOW = 1024 * 1024;
var HEADER_WINDOW = 256 * 1024;
var LOCAL_HEADER_SIGNATURE = 67324752;
var DESCRIPTOR_SIGNATURE = 134695760;
var FLAG_DESCRIPTOR = 8;
var FLAG_UTF8 = 2048;
var CP437_HIGH = "\xC7\xFC\xE9\xE2\xE4\xE0\xE5\xE7\xEA\xEB\xE8\xEF\xEE\xEC\xC4\xC5\xC9\xE6\xC6\xF4\xF6\xF2\xFB\xF9\xFF\xD6\xDC\xA2\xA3\xA5\u20A7\u0192\xE1\xED\xF3\xFA\xF1\xD1\xAA\xBA\xBF\u2310\xAC\xBD\xBC\xA1\xAB\xBB\u2591\u2592\u2593\u2502\u2524\u2561\u2562\u2556\u2555\u2563\u2551\u2557\u255D\u255C\u255B\u2510\u2514\u2534\u252C\u251C\u2500\u253C\u255E\u255F\u255A\u2554\u2569\u2566\u2560\u2550\u256C\u2567\u2568\u2564\u2565\u2559\u2558\u2552\u2553\u256B\u256A\u2518\u250C\u2588\u2584\u258C\u2590\u2580\u03B1\xDF\u0393\u03C0\u03A3\u03C3\xB5\u03C4\u03A6\u0398\u03A9\u03B4\u221E\u03C6\u03B5\u2229\u2261\xB1\u2265\u2264\u2320\u2321\xF7\u2248\xB0\u2219\xB7\u221A\u207F\xB2\u25A0\xA0";
var UTF8 = new TextDecoder("utf-8", { fatal: true });
function decodeName(raw, flags) {
  if (raw.every((byte) => byte < 128)) return raw.toString("latin1");
  if (flags & FLAG_UTF8) {
    try {
      return UTF8.decode(raw);
    } catch {
      return void 0;
    }
  }
  let name = "";
  for (const byte of raw) name += byte < 128 ? String.fromCharCode(byte) : CP437_HIGH[byte - 128];
  return name;
}
var CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 3988292384 ^ c >>> 1 : c >>> 1;
    table[n] = c;
  }
  return table;
})();
function crc32Js(data, value = 0) {
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 255] ^ crc >>> 8;
  return ~crc >>> 0;
}
var nativeCrc32 = zlib.crc32;
var crc32 = nativeCrc32 ?? crc32Js;
function systemError(error) {
  return typeof error?.syscall === "string";
}
function yauzlMessage(error) {
  const message = messageOf(error);
  const named = /^(invalid relative path|absolute path|invalid characters in fileName): ([\s\S]*)$/.exec(message);
  return named ? `${named[1]}: ${quote(named[2])}` : plain(message);
}
var count = (n) => n.toLocaleString("en-US");
function formatBytes(bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${count(bytes)} bytes`;
}
function readMembers(zip, fail) {
  return new Promise((resolve, reject) => {
    const members = [];
    const names = /* @__PURE__ */ new Set();
    zip.on("entry", (entry) => {
      try {
        const name = entry.fileName;
        if (names.has(name)) fail(name, "appears twice in the archive");
        names.add(name);
        if (entry.isEncrypted()) fail(name, "is encrypted");
        if (!entry.canDecodeFileData()) fail(name, `compression method ${entry.compressionMethod} is neither stored nor deflate`);
        if (entry.compressionMethod === 8 && entry.uncompressedSize > entry.compressedSize * DEFLATE_MAX_RATIO + DEFLATE_SLACK) {
          fail(
            name,
            `declares ${count(entry.uncompressedSize)} bytes from ${count(entry.compressedSize)} deflated: more than deflate can make of them (${DEFLATE_MAX_RATIO}:1); refused before inflating`
          );
        }
        const pythonName = decodeName(entry.fileNameRaw, entry.generalPurposeBitFlag);
        members.push({
          name,
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
          crc32: entry.crc32,
          method: entry.compressionMethod,
          offset: entry.relativeOffsetOfLocalHeader,
          flags: entry.generalPurposeBitFlag,
          pythonName: pythonName === name ? name : pythonName,
          headerGuess: entry.fileNameLength + entry.extraFieldLength,
          dataStart: -1
        });
      } catch (error) {
        reject(error);
        return;
      }
      zip.readEntry();
    });
    zip.on("end", () => resolve(members));
    zip.on("error", reject);
    zip.readEntry();
  });
}
function inflateSmall(member, raw, take) {
  const tooMany = () => new Error(`too many bytes: it inflates past the ${count(member.uncompressedSize)} it declares`);
  let data = raw;
  if (member.method === 8 && !(raw.length === 0 && member.uncompressedSize === 0)) {
    try {
      data = zlib.inflateRawSync(raw, { maxOutputLength: member.uncompressedSize + 1, chunkSize: inflateChunk(member.uncompressedSize) });
    } catch (error) {
      if (error.code === "ERR_BUFFER_TOO_LARGE") throw tooMany();
      throw error;
    }
  }
  if (data.length > member.uncompressedSize) throw tooMany();
  if (data.length < member.uncompressedSize) throw new Error(`not enough bytes: ${count(data.length)} of the ${count(member.uncompressedSize)} it declares`);
  take(data);
}
function inflateChunk(size) {
  return Math.min(64 * 1024, Math.max(zlib.constants.Z_MIN_CHUNK, 2 ** Math.ceil(Math.log2(size + 1))));
}
var ZipArchive = class _ZipArchive {
  constructor(zip, reader, fileName, size, all, centralDirectory) {
    this.zip = zip;
    this.reader = reader;
    this.fileName = fileName;
    this.size = size;
    this.all = all;
    this.centralDirectory = centralDirectory;
    this.data = new Window(reader, centralDirectory, DATA_WINDOW);
  }
  zip;
  reader;
  fileName;
  size;
  all;
  centralDirectory;
  /** Small members' data, read a window at a time in file order. */
  data;
  laidOut = false;
  /** Every member of the central directory, in its order. */
  get members() {
    return this.all;
  }
  /** A ContentError for this archive. */
  fail(member, detail) {
    throw new ContentError(this.fileName, member, detail);
  }
  /**
   * Opens the zip at `path` and reads its central directory: refused when
   * its end records are missing or damaged, when they declare more than
   * MAX_MEMBERS members, when an entry is damaged, encrypted, neither stored
   * nor deflated, named twice, or declares more than deflate can make of
   * its data.
   */
  static async open(path, fileName, fd) {
    const owned = fd === void 0;
    const descriptor = fd ?? await promisify(open2)(path, "r");
    let reader;
    try {
      reader = new FileReader(descriptor, (await promisify(fstat)(descriptor)).size, owned);
    } catch (error) {
      if (owned) close2(descriptor, () => void 0);
      throw error;
    }
    const directory = await _ZipArchive.directory(reader, fileName);
    return new _ZipArchive(directory.zip, reader, fileName, reader.size, directory.members, directory.centralDirectory);
  }
  /**
   * Reads the central directory through `reader` (closed when this throws):
   * the checks `open` names, shared with zip-scan.ts.
   */
  static async directory(reader, fileName) {
    const fail = (member, detail) => {
      throw new ContentError(fileName, member, detail);
    };
    let zip;
    try {
      zip = await import_yauzl2.default.fromRandomAccessReaderPromise(reader, reader.size, {
        lazyEntries: true,
        autoClose: false,
        // Keep it on: a deflated member that inflates past its declared size is cut there.
        validateEntrySizes: true,
        strictFileNames: false,
        decodeStrings: true
      });
    } catch (error) {
      reader.close(() => void 0);
      if (systemError(error)) throw error;
      return fail(void 0, `not a readable zip archive: ${yauzlMessage(error)} (the central directory at its end is missing or damaged: cut short?)`);
    }
    try {
      if (zip.entryCount > MAX_MEMBERS) {
        fail(void 0, `the zip declares ${count(zip.entryCount)} members; more than ${count(MAX_MEMBERS)} is refused (the largest real wheels hold some 16,000)`);
      }
      const centralDirectory = zip.readEntryCursor;
      let members;
      try {
        members = await readMembers(zip, fail);
      } catch (error) {
        if (systemError(error) || error instanceof ContentError) throw error;
        return fail(void 0, `the zip central directory is damaged: ${yauzlMessage(error)}`);
      }
      return { zip, members, centralDirectory };
    } catch (error) {
      zip.close();
      throw error;
    }
  }
  /**
   * Checks the archive's layout before any member is inflated: each local
   * header is where the central directory says, with the same name; no
   * member's bytes (local header, data, data descriptor) overlap another's
   * or the central directory; the declared sizes add up to at most
   * MAX_RATIO times the archive.
   */
  async checkLayout() {
    const sorted = [...this.all].sort((a, b) => a.offset - b.offset);
    const window = new Window(this.reader, this.centralDirectory, HEADER_WINDOW);
    const ends = [];
    for (const member of sorted) ends.push(await this.localSpan(member, window));
    sorted.forEach((member, i) => {
      const end = ends[i];
      const next = sorted[i + 1];
      if (next && end > next.offset) {
        this.fail(
          member.name,
          `its bytes (${count(member.offset)} to ${count(end)}) run into those of ${quote(next.name)} (from ${count(next.offset)}): members that share bytes are a zip bomb (Python 3.13 refuses "Overlapped entries"); refused before inflating`
        );
      }
      if (end > this.centralDirectory) {
        this.fail(member.name, `its bytes (${count(member.offset)} to ${count(end)}) run into the central directory (from ${count(this.centralDirectory)}); refused before inflating`);
      }
    });
    this.checkDeclared();
    this.laidOut = true;
  }
  /** Refuses declared sizes that add up to more than MAX_RATIO times the archive (from the central directory alone). */
  checkDeclared() {
    const declared = this.all.reduce((sum, member) => sum + member.uncompressedSize, 0);
    if (declared > MAX_RATIO * this.size) {
      this.fail(
        void 0,
        `its members declare ${count(declared)} bytes uncompressed in a ${count(this.size)}-byte archive: more than ${MAX_RATIO}:1 is refused before inflating (real wheels stay under 20:1)`
      );
    }
  }
  /**
   * Reads a member's local header: checks it is there and names the member
   * as the central directory does; sets where its data starts; returns
   * where its bytes end (data descriptor included).
   */
  async localSpan(member, window) {
    const { name, offset } = member;
    if (offset + 30 > this.centralDirectory) {
      this.fail(name, `the central directory puts its local header at byte ${count(offset)}, in or past the central directory (from ${count(this.centralDirectory)})`);
    }
    const fixed = await window.bytes(offset, 30 + member.headerGuess);
    if (fixed.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) this.fail(name, `no local header at byte ${count(offset)}, where the central directory puts it`);
    const flags = fixed.readUInt16LE(6);
    const nameLength = fixed.readUInt16LE(26);
    const extraLength = fixed.readUInt16LE(28);
    const header = await window.bytes(offset, 30 + nameLength + extraLength);
    if (header.length < 30 + nameLength + extraLength) this.fail(name, `its local header at byte ${count(offset)} runs into the central directory`);
    if (member.pythonName === void 0) this.fail(name, "its name is flagged UTF-8 but is not UTF-8 (Python's zipfile cannot open the archive)");
    const localRaw = header.subarray(30, 30 + nameLength);
    const localName = decodeName(localRaw, flags);
    if (localName !== member.pythonName) {
      this.fail(
        name,
        `its local header names it ${quote(localName ?? localRaw.toString("latin1"))}: the central directory and the local header differ (pip refuses it: "File name in directory and header differ")`
      );
    }
    member.dataStart = offset + 30 + nameLength + extraLength;
    let end = member.dataStart + member.compressedSize;
    if (member.flags & FLAG_DESCRIPTOR) {
      const zip64 = import_yauzl2.default.parseExtraFields(header.subarray(30 + nameLength)).some((field) => field.id === 1);
      const signature = await window.bytes(end, 4);
      end += (zip64 ? 20 : 12) + (signature.length === 4 && signature.readUInt32LE(0) === DESCRIPTOR_SIGNATURE ? 4 : 0);
    }
    return end;
  }
  /**
   * Streams one member through `update` and returns its byte count, its
   * CRC-32 checked against the central directory. checkLayout must have
   * passed. A member that cannot be inflated, or inflates to another size
   * than it declares, or to another CRC-32, is refused (ContentError).
   * A chunk given to `update` is valid during that call only: what it
   * keeps, it copies (zip-scan.ts hands out one buffer again and again).
   */
  async read(zipMember, update) {
    const member = zipMember;
    if (!this.laidOut || member.dataStart < 0) throw new Error(`read ${member.name} before checkLayout`);
    let crc = 0;
    let size = 0;
    const take = (chunk) => {
      crc = crc32(chunk, crc);
      size += chunk.length;
      update(chunk);
    };
    try {
      if (member.compressedSize <= SMALL_MEMBER && member.uncompressedSize <= SMALL_MEMBER) await this.readSmall(member, take);
      else await this.stream(member, take);
    } catch (error) {
      if (systemError(error) || error instanceof ContentError) throw error;
      return this.fail(member.name, `cannot be read: ${yauzlMessage(error)}`);
    }
    if (crc !== member.crc32) this.fail(member.name, 'its CRC-32 does not match the central directory (pip refuses it: "Bad CRC-32")');
    return size;
  }
  /** A small member in one read and one inflate: no stream to set up for each of a wheel's many small files. */
  async readSmall(member, take) {
    const raw = await this.data.bytes(member.dataStart, member.compressedSize);
    if (raw.length < member.compressedSize) throw new Error("its data runs into the central directory");
    inflateSmall(member, raw, take);
  }
  /** A member streamed as yauzl inflates it, never held whole (yauzl stops it at its declared size). */
  async stream(member, take) {
    const stream = await new Promise((resolve, reject) => {
      this.zip.openReadStreamLowLevel(
        member.dataStart,
        member.compressedSize,
        0,
        member.compressedSize,
        member.method === 8,
        member.uncompressedSize,
        (error, readStream) => error ? reject(error) : resolve(readStream)
      );
    });
    for await (const chunk of stream) take(chunk);
  }
  /**
   * Reads a member whole (RECORD, WHEEL), its CRC-32 checked, refused
   * before it is read when it declares more than `cap` bytes (`why` says
   * why the cap is what it is).
   */
  async readWhole(member, cap, why) {
    this.checkCap(member, cap, why);
    const chunks = [];
    await this.readAside(member, (chunk) => chunks.push(Buffer.from(chunk)));
    return Buffer.concat(chunks);
  }
  /** Reads a member out of file order (RECORD and WHEEL, before the rest): here, as `read` does. */
  readAside(member, update) {
    return this.read(member, update);
  }
  /** Refuses a member that declares more than `cap` bytes, before anything is read (its actual bytes stop at what it declares). */
  checkCap(member, cap, why) {
    if (member.uncompressedSize > cap) {
      this.fail(member.name, `declares ${count(member.uncompressedSize)} bytes; more than ${formatBytes(cap)} is refused before inflating (${why})`);
    }
  }
  /** Closes the file. */
  close() {
    if (this.zip.isOpen) this.zip.close();
  }
};

// src/core/sdist.ts
function sameSdistStem(dir, name) {
  const dash = dir.lastIndexOf("-");
  return dash > 0 && normalizeName(dir.slice(0, dash)) === normalizeName(name.distribution) && normalizeVersion(dir.slice(dash + 1)) === normalizeVersion(name.version);
}
async function checkSdist(path, fileName, name, source = () => createReadStream(path)) {
  const tar = (0, import_tar_stream.extract)();
  let current;
  let pkgInfo = false;
  const walk = (async () => {
    for await (const entry of tar) {
      current = entry.header.name.replace(/^\.\//, "");
      const parts = current.split("/");
      if (parts.length === 2 && parts[1] === "PKG-INFO" && (entry.header.type ?? "file") === "file" && sameSdistStem(parts[0], name)) pkgInfo = true;
      for await (const chunk of entry) void chunk;
    }
  })();
  try {
    await Promise.all([pipeline(source(), createGunzip(), tar), walk]);
  } catch (error) {
    if (systemError(error)) throw error;
    const where = current === void 0 ? "before its first member" : "in this member or right after it";
    throw new ContentError(fileName, current, `the gzip or tar stream breaks ${where}: ${messageOf(error)} (cut short?)`);
  }
  if (!pkgInfo) {
    throw new ContentError(fileName, void 0, `no ${fileName.slice(0, -".tar.gz".length)}/PKG-INFO: an sdist carries its metadata there`);
  }
}

// src/core/wheel-contents.ts
import { createHash as createHash2 } from "node:crypto";

// src/core/record.ts
function inQuotes(text) {
  const quoted = quote(text);
  return quoted.startsWith('"') ? quoted : `"${quoted}"`;
}
var ALGORITHMS = {
  sha256: { node: "sha256", length: 32 },
  sha384: { node: "sha384", length: 48 },
  sha512: { node: "sha512", length: 64 },
  sha224: { node: "sha224", length: 28 },
  sha3_224: { node: "sha3-224", length: 28 },
  sha3_256: { node: "sha3-256", length: 32 },
  sha3_384: { node: "sha3-384", length: 48 },
  sha3_512: { node: "sha3-512", length: 64 },
  blake2b: { node: "blake2b512", length: 64 },
  blake2s: { node: "blake2s256", length: 32 },
  md5: { node: "md5", length: 16 },
  sha1: { node: "sha1", length: 20 }
};
var WEAK_ALGORITHMS = /* @__PURE__ */ new Set(["md5", "sha1"]);
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== "") rows.push(row);
    row = [];
    field = "";
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else {
        const stop = text.indexOf('"', i);
        field += text.slice(i, stop < 0 ? text.length : stop);
        i = stop < 0 ? text.length : stop;
        continue;
      }
    } else if (c === '"' && field === "") {
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r" && text[i + 1] === "\n") {
      if (c === "\r") i++;
      endRow();
    } else {
      let stop = i + 1;
      while (stop < text.length) {
        const next = text.charCodeAt(stop);
        if (next === 44 || next === 10 || next === 13) break;
        stop++;
      }
      field += text.slice(i, stop);
      i = stop;
      continue;
    }
    i++;
  }
  if (quoted) throw new Error("a quoted field is never closed");
  if (field !== "" || row.length > 0) endRow();
  return rows;
}
function parseRecord(text) {
  const entries = /* @__PURE__ */ new Map();
  parseCsv(text).forEach((row, index) => {
    const where = `row ${index + 1}`;
    if (row.length !== 3) throw new Error(`${where} has ${row.length} fields, not path,hash,size`);
    const [path, hash, size] = row;
    if (path === "") throw new Error(`${where} has no path`);
    if (entries.has(path)) throw new Error(`${where}: ${quote(path)} is listed twice`);
    const entry = { path };
    if (hash !== "") {
      const eq = hash.indexOf("=");
      const algorithm = hash.slice(0, eq).toLowerCase();
      const value = hash.slice(eq + 1);
      const known = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : void 0;
      if (eq <= 0 || known === void 0) {
        throw new Error(`${where}: hash ${inQuotes(hash)} for ${quote(path)} is not algorithm=digest with a hash installer knows (sha256, sha384, sha512, \u2026)`);
      }
      const { node, length } = known;
      const digest = Buffer.from(value, "base64url");
      if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value) || digest.length !== length) {
        throw new Error(`${where}: hash ${inQuotes(hash)} for ${quote(path)} is not an urlsafe-base64 ${algorithm} digest`);
      }
      entry.hash = { algorithm, node, digest, text: hash };
    }
    if (size !== "") {
      if (!/^\d+$/.test(size)) throw new Error(`${where}: size ${inQuotes(size)} for ${quote(path)} is not a byte count`);
      entry.size = Number(size);
    }
    entries.set(path, entry);
  });
  return entries;
}
function parseHeaders(text) {
  const headers = /* @__PURE__ */ new Map();
  for (const line of text.split(/\r?\n/)) {
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    headers.set(key, [...headers.get(key) ?? [], line.slice(colon + 1).trim()]);
  }
  return headers;
}

// src/core/wheel-contents.ts
var MiB = 1024 * 1024;
var MAX_RECORD = 16 * MiB;
var MAX_WHEEL = 1 * MiB;
var MAX_METADATA = 16 * MiB;
var METADATA_HEAD = 64 * 1024;
var TAG_PART = /^[A-Za-z0-9_]+$/;
var WHEEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?$/;
var SIGNATURES = ["RECORD.jws", "RECORD.p7s"];
var UTF82 = new TextDecoder("utf-8", { fatal: true });
var LENIENT_UTF8 = new TextDecoder("utf-8", { fatal: false });
async function readText(zip, member, cap, why) {
  const bytes = await zip.readWhole(member, cap, why);
  try {
    return UTF82.decode(bytes);
  } catch (error) {
    return zip.fail(member.name, messageOf(error));
  }
}
function checkFileName(fileName, name) {
  for (const tag of [name.pythonTag, name.abiTag, name.platformTag]) {
    if (!tag.split(".").every((part) => TAG_PART.test(part))) {
      throw new ContentError(fileName, void 0, `the file name's tag ${inQuotes(tag)} does not parse (PEP 425: letters, digits and _, sets joined by .)`);
    }
  }
  if (!WHEEL_NAME.test(name.distribution)) {
    throw new ContentError(fileName, void 0, `the file name's distribution ${inQuotes(name.distribution)} is not a valid escaped name (PEP 427)`);
  }
}
function infoDirectory(zip, files, name, findings) {
  const infoDirs = [...new Set(files.map((e) => e.name.split("/")[0]).filter((top) => top.endsWith(".dist-info")))];
  if (infoDirs.length === 0) zip.fail(void 0, "no .dist-info directory: not a wheel");
  if (infoDirs.length > 1) zip.fail(void 0, `more than one .dist-info directory: ${infoDirs.sort().map(quote).join(", ")}`);
  const infoDir = infoDirs[0];
  const stem = infoDir.slice(0, -".dist-info".length);
  const dash = stem.lastIndexOf("-");
  const infoName = dash > 0 ? stem.slice(0, dash) : stem;
  const infoVersion = dash > 0 ? stem.slice(dash + 1) : "";
  if (normalizeName(infoName) !== normalizeName(name.distribution)) {
    zip.fail(`${infoDir}/`, `names ${quote(infoName)}, but the file name says ${quote(name.distribution)} (pip and installer refuse it)`);
  }
  if (!sameVersion(infoVersion.replace(/_/g, "-"), name.version.replace(/_/g, "-"))) {
    findings.odd(`${infoDir}/`, `names version ${quote(infoVersion)}, but the file name says ${quote(name.version)} (pip and installer do not read it)`);
  }
  return infoDir;
}
function checkWheelFile(zip, member, text, name, findings) {
  const headers = parseHeaders(text);
  const wheelVersion = headers.get("wheel-version")?.[0];
  if (wheelVersion === void 0) zip.fail(member, "has no Wheel-Version (pip refuses it)");
  if (!/^1(\.\d+)?$/.test(wheelVersion)) zip.fail(member, `Wheel-Version ${quote(wheelVersion)} is not 1.x; installers refuse it`);
  if (!/^1(\.0)?$/.test(wheelVersion)) findings.odd(member, `Wheel-Version ${quote(wheelVersion)} is newer than 1.0 (pip warns about it)`);
  const wheelTags = new Set(
    (headers.get("tag") ?? []).flatMap((tag) => {
      const parts = tag.split("-");
      return parts.length === 3 ? expandTags(...parts) : [tag.toLowerCase()];
    })
  );
  const nameTags = new Set(expandTags(name.pythonTag, name.abiTag, name.platformTag));
  if (wheelTags.size !== nameTags.size || [...nameTags].some((tag) => !wheelTags.has(tag))) {
    findings.odd(
      member,
      `its tags (${[...wheelTags].sort().map(quote).join(", ") || "none"}) are not the file name's (${[...nameTags].sort().map(quote).join(", ")}); pip reads the file name`
    );
  }
}
async function checkMember(zip, member, listed, head) {
  const hash = listed?.hash ? createHash2(listed.hash.node) : void 0;
  let kept = 0;
  const size = await zip.read(member, (chunk) => {
    hash?.update(chunk);
    if (head && kept < METADATA_HEAD) {
      head.push(Buffer.from(chunk.subarray(0, METADATA_HEAD - kept)));
      kept += chunk.length;
    }
  });
  if (listed?.size !== void 0 && listed.size !== size) zip.fail(member.name, `is ${size} bytes, RECORD says ${listed.size}`);
  if (hash && listed?.hash) {
    const actual = hash.digest();
    if (!actual.equals(listed.hash.digest)) {
      zip.fail(member.name, `${listed.hash.algorithm} does not match RECORD (RECORD: ${listed.hash.text}, member: ${listed.hash.algorithm}=${actual.toString("base64url")})`);
    }
  }
}
function checkMetadata(zip, member, head, name, findings) {
  let text;
  try {
    text = LENIENT_UTF8.decode(head);
  } catch {
    return;
  }
  const headers = parseHeaders(text);
  const metaName = headers.get("name")?.[0];
  const metaVersion = headers.get("version")?.[0];
  if (metaName === void 0 || metaVersion === void 0) {
    findings.odd(member, `has no ${metaName === void 0 ? "Name" : "Version"} header`);
    return;
  }
  if (normalizeName(metaName) !== normalizeName(name.distribution)) {
    zip.fail(member, `says Name: ${quote(metaName)}, but the file name says ${quote(name.distribution)} (pip refuses it: inconsistent name)`);
  }
  if (!sameVersion(metaVersion, name.version.replace(/_/g, "-"))) {
    zip.fail(member, `says Version: ${quote(metaVersion)}, but the file name says ${quote(name.version)} (pip refuses it: inconsistent version)`);
  }
}
function checkRecordRows(zip, infoDir, files, members, record, findings) {
  const recordPath = `${infoDir}/RECORD`;
  const signatures = new Set(SIGNATURES.map((file) => `${infoDir}/${file}`));
  for (const member of files) {
    if (!record.has(member.name) && member.name !== recordPath && !signatures.has(member.name)) zip.fail(member.name, "is in the archive but not in RECORD");
  }
  const sizeless = [];
  const weak = [];
  for (const [file, entry] of record) {
    if (entry.hash && WEAK_ALGORITHMS.has(entry.hash.algorithm)) weak.push(file);
    if (!members.has(file)) zip.fail(file, "is listed in RECORD but not in the archive");
    if (file === recordPath) {
      if (entry.hash || entry.size !== void 0) findings.odd(file, "RECORD's own row gives it a hash or size (installer's RECORD validation refuses that)");
    } else if (signatures.has(file)) {
      findings.odd(file, "a signature file listed in RECORD (installer's RECORD validation refuses that; PEP 427 leaves it out)");
    } else if (!entry.hash) {
      zip.fail(file, "RECORD gives it no hash");
    } else if (entry.size === void 0) {
      sizeless.push(file);
    }
  }
  if (sizeless.length > 0) {
    const which = sizeless.length === 1 ? "this member" : `${sizeless.length} members (this one first)`;
    findings.odd(sizeless[0], `RECORD gives ${which} a hash but no size (installer's RECORD validation refuses that; the hashes are checked)`);
  }
  if (weak.length > 0) {
    const which = weak.length === 1 ? "this member" : `${weak.length} members (this one first)`;
    const algorithm = record.get(weak[0]).hash.algorithm;
    findings.odd(weak[0], `RECORD hashes ${which} with ${algorithm}, which the wheel spec forbids and \`wheel\` refuses (pip and installer install it; the hashes are checked)`);
  }
}
async function checkWheel(path, fileName, name, findings, open4 = ZipArchive.open) {
  checkFileName(fileName, name);
  const zip = await open4(path, fileName);
  try {
    const members = new Map(zip.members.map((member) => [member.name, member]));
    const files = zip.members.filter((member) => !member.name.endsWith("/"));
    const infoDir = infoDirectory(zip, files, name, findings);
    const recordPath = `${infoDir}/RECORD`;
    const wheelPath = `${infoDir}/WHEEL`;
    const metadataPath = `${infoDir}/METADATA`;
    for (const file of [recordPath, wheelPath, metadataPath]) if (!members.has(file)) zip.fail(file, "missing; every wheel carries it");
    zip.checkCap(members.get(recordPath), MAX_RECORD, "the largest RECORD of real wheels is under 2 MB");
    zip.checkCap(members.get(wheelPath), MAX_WHEEL, "WHEEL is a few short lines");
    zip.checkCap(members.get(metadataPath), MAX_METADATA, "the largest METADATA of real wheels is under 1 MB");
    await zip.checkLayout();
    let record;
    try {
      record = parseRecord(await readText(zip, members.get(recordPath), MAX_RECORD, "the largest RECORD of real wheels is under 2 MB"));
    } catch (error) {
      if (systemError(error) || error instanceof ContentError) throw error;
      return zip.fail(recordPath, messageOf(error));
    }
    checkWheelFile(zip, wheelPath, await readText(zip, members.get(wheelPath), MAX_WHEEL, "WHEEL is a few short lines"), name, findings);
    checkRecordRows(zip, infoDir, files, members, record, findings);
    const metadataHead = [];
    for (const member of [...files].sort((a, b) => a.offset - b.offset)) {
      await checkMember(zip, member, record.get(member.name), member.name === metadataPath ? metadataHead : void 0);
    }
    checkMetadata(zip, metadataPath, Buffer.concat(metadataHead), name, findings);
  } finally {
    zip.close();
  }
}

// src/core/zip-scan.ts
var import_yauzl3 = __toESM(require_yauzl(), 1);
import zlib3 from "node:zlib";

// src/core/inflate.ts
import zlib2 from "node:zlib";
var OUTPUT = 256 * 1024;
var output;
var Inflater = class {
  stream;
  handle;
  state;
  constructor() {
    this.stream = zlib2.createInflateRaw();
    this.stream.on("error", () => void 0);
    const internals = this.stream;
    if (typeof internals._handle?.writeSync !== "function" || !(internals._writeState instanceof Uint32Array)) throw new Error("node:zlib's internals are not as expected");
    this.handle = internals._handle;
    this.state = internals._writeState;
  }
  /** Whether this Node's zlib has the internals, and they inflate right (checked once). */
  static usable() {
    usable ??= selfTest();
    return usable;
  }
  /** Whether it can take another stream (false after an error: make a new one). */
  get healthy() {
    return !this.stream.destroyed;
  }
  /** Starts a new deflate stream. */
  reset() {
    this.stream.reset();
  }
  /**
   * Inflates `input` (with `finish`, to the end of the deflate stream, which
   * must end there), handing each piece of output to `emit`, valid only
   * during that call. Returns how much of `input` the stream took: less
   * when the deflate stream ended before it. Throws zlib's error.
   */
  write(input, finish, emit) {
    output ??= Buffer.allocUnsafe(OUTPUT);
    const flush = finish ? zlib2.constants.Z_FINISH : zlib2.constants.Z_NO_FLUSH;
    let offset = 0;
    let left = input.length;
    for (; ; ) {
      this.handle.writeSync(flush, input, offset, left, output, 0, OUTPUT);
      if (this.stream.destroyed) throw this.stream.errored ?? new Error("inflate failed");
      const outLeft = this.state[0];
      const inLeft = this.state[1];
      offset += left - inLeft;
      left = inLeft;
      if (outLeft < OUTPUT) emit(output.subarray(0, OUTPUT - outLeft));
      if (outLeft !== 0) return offset;
    }
  }
  /** Frees the zlib stream. */
  close() {
    this.stream.destroy();
  }
};
var usable;
function selfTest() {
  try {
    const text = Buffer.alloc(OUTPUT * 2 + 1e3, "wheel-guard checks RECORD ");
    text.writeUInt32LE(3735928559, OUTPUT);
    const deflated = zlib2.deflateRawSync(text, { level: 1 });
    const inflater = new Inflater();
    const pieces = [];
    const keep = (chunk) => void pieces.push(Buffer.from(chunk));
    let taken = inflater.write(deflated.subarray(0, 1e3), false, keep);
    taken += inflater.write(deflated.subarray(1e3), false, keep);
    taken += inflater.write(Buffer.alloc(0), true, keep);
    const right = taken === deflated.length && Buffer.concat(pieces).equals(text);
    inflater.reset();
    let cut = false;
    try {
      inflater.write(deflated.subarray(0, deflated.length - 10), true, () => void 0);
    } catch {
      cut = !inflater.healthy;
    }
    inflater.close();
    return right && cut;
  } catch {
    return false;
  }
}

// src/core/zip-scan.ts
var INFLATE_CHUNK = 256 * 1024;
var NOTHING = Buffer.alloc(0);
var HEADER_WINDOW2 = 64 * 1024;
var Mismatch = class extends Error {
  constructor(member, what) {
    super(`${member}: ${what}`);
    this.name = "Mismatch";
  }
};
var ScannedZip = class _ScannedZip extends ZipArchive {
  constructor(zip, reader, fileName, members, centralDirectory, scan) {
    super(zip, reader, fileName, scan.size, members, centralDirectory);
    this.scan = scan;
    this.order = [...members].sort((a, b) => a.offset - b.offset);
    this.index = new Map(this.order.map((member, i) => [member, i]));
    this.headers = new Window(reader, centralDirectory, HEADER_WINDOW2);
  }
  scan;
  /** Every member, by offset. */
  order;
  index;
  /** The first member of `order` the pass has not reached. */
  next = 0;
  /** This archive's inflater (inflate.ts), reset for each member. */
  inflater;
  headers;
  /**
   * Opens the zip on `fd` (the caller's: never closed here) for `scan`:
   * its central directory from `tail` when it holds it, read as
   * ZipArchive.open reads it (the same refusals).
   */
  static async openScanned(fd, fileName, scan, tail) {
    const reader = new FileReader(fd, scan.size, false);
    reader.pin(tail.bytes, tail.start);
    const { zip, members, centralDirectory } = await ZipArchive.directory(reader, fileName);
    return new _ScannedZip(zip, reader, fileName, members, centralDirectory, scan);
  }
  /** What can be judged before the pass: the declared sizes. Each local header is checked as the pass meets it. */
  async checkLayout() {
    this.checkDeclared();
    this.laidOut = true;
  }
  /** A member ahead of the pass: the pass goes to it (checking what lies between) and reads it; one behind: aside. */
  async read(zipMember, update) {
    const member = zipMember;
    if (!this.laidOut) throw new Error(`read ${member.name} before checkLayout`);
    const at = this.index.get(member);
    if (at === void 0) throw new Error(`${member.name} is not a member of this archive`);
    if (at < this.next) return this.readAside(member, update);
    await this.reach(at);
    return this.arrive(at, update);
  }
  /** The pass to the central directory: every remaining local header checked, nothing inflated. */
  async complete() {
    await this.reach(this.order.length);
  }
  /** A member read by positioned reads, its local header and span checked first as checkLayout checks them. */
  async readAside(zipMember, update) {
    const member = zipMember;
    const at = this.index.get(member);
    const end = await this.localSpan(member, this.headers);
    const next = this.order[at + 1];
    if (next && end > next.offset || end > this.centralDirectory) throw new Mismatch(member.name, "its bytes run into the next member or the central directory");
    return super.read(member, update);
  }
  /** Meets every member before `order[at]`, their data skipped. */
  async reach(at) {
    while (this.next < at) await this.arrive(this.next);
  }
  /**
   * Meets `order[at]`: its local header checked, its data read through
   * `update` (CRC-32 and size checked; returns the size) or skipped.
   */
  async arrive(at, update) {
    const member = this.order[at];
    this.next = at + 1;
    const directory = this.centralDirectory;
    const following = this.order[at + 1];
    const limit = following === void 0 ? directory : Math.min(following.offset, directory);
    const mismatch = (what) => {
      throw new Mismatch(member.name, what);
    };
    if (member.offset < this.scan.position || member.offset + 30 > directory) mismatch("its local header is not where the pass expects it");
    await this.scan.skip(member.offset);
    const fixed = await this.scan.take(30);
    if (fixed.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) mismatch("no local header");
    const flags = fixed.readUInt16LE(6);
    const nameLength = fixed.readUInt16LE(26);
    const extraLength = fixed.readUInt16LE(28);
    const dataStart = member.offset + 30 + nameLength + extraLength;
    if (dataStart > directory) mismatch("its local header runs into the central directory");
    const variable = await this.scan.take(nameLength + extraLength);
    if (member.pythonName === void 0 || decodeName(variable.subarray(0, nameLength), flags) !== member.pythonName) mismatch("its local header names another file");
    if (member.dataStart >= 0 && member.dataStart !== dataStart) mismatch("its data is not where it was read aside");
    member.dataStart = dataStart;
    const dataEnd = dataStart + member.compressedSize;
    if (dataEnd > limit) mismatch("its data runs into the next member or the central directory");
    const zip64 = (flags & FLAG_DESCRIPTOR) !== 0 && import_yauzl3.default.parseExtraFields(variable.subarray(nameLength)).some((field) => field.id === 1);
    let size = 0;
    if (update) size = await this.pass(member, update);
    else await this.scan.skip(dataEnd);
    if (flags & FLAG_DESCRIPTOR) {
      const signature = await this.scan.take(Math.min(4, directory - dataEnd));
      const end = dataEnd + (zip64 ? 20 : 12) + (signature.length === 4 && signature.readUInt32LE(0) === DESCRIPTOR_SIGNATURE ? 4 : 0);
      if (end > limit) mismatch("its data descriptor runs into the next member or the central directory");
    }
    return size;
  }
  /** A member's data from the pass through `update`, as ZipArchive.read gives it: its size and CRC-32 checked. */
  async pass(member, update) {
    let crc = 0;
    let size = 0;
    const take = (chunk) => {
      crc = crc32(chunk, crc);
      size += chunk.length;
      update(chunk);
    };
    if (member.method === 0) {
      if (member.compressedSize !== member.uncompressedSize) throw new Mismatch(member.name, "stored, but its two sizes differ");
      for await (const slice of this.scan.slices(member.compressedSize)) take(slice);
    } else if (member.compressedSize === 0 && member.uncompressedSize === 0) {
    } else if (Inflater.usable()) {
      await this.inflateSync(member, take);
    } else if (member.compressedSize <= SMALL_MEMBER && member.uncompressedSize <= SMALL_MEMBER) {
      inflateSmall(member, await this.scan.take(member.compressedSize), take);
    } else {
      await this.inflate(member, take);
    }
    if (size !== member.uncompressedSize) throw new Mismatch(member.name, "not the size it declares");
    if (crc !== member.crc32) throw new Mismatch(member.name, "its CRC-32 does not match the central directory");
    return size;
  }
  /**
   * A deflated member inflated in this thread (inflate.ts) as the pass hands
   * over its bytes, into one buffer used again, cut at its declared size;
   * its deflate stream must end where its data does.
   */
  async inflateSync(member, take) {
    if (this.inflater?.healthy) this.inflater.reset();
    else this.inflater = new Inflater();
    const inflater = this.inflater;
    let size = 0;
    const emit = (chunk) => {
      size += chunk.length;
      if (size > member.uncompressedSize) throw new Mismatch(member.name, "inflates past the size it declares");
      take(chunk);
    };
    let taken = 0;
    for await (const slice of this.scan.slices(member.compressedSize)) taken += inflater.write(slice, false, emit);
    inflater.write(NOTHING, true, emit);
    if (taken !== member.compressedSize) throw new Mismatch(member.name, "its deflate stream ends before its data does");
  }
  /** Closes the archive and its inflater. */
  close() {
    this.inflater?.close();
    this.inflater = void 0;
    super.close();
  }
  /**
   * Where inflate.ts cannot be used: a large deflated member, streamed through zlib, cut at its declared
   * size; its deflate stream must end where its data does. Each slice is
   * written and its callback awaited (zlib is done with it) before the next
   * is asked of the scan, which may then reuse its bytes.
   */
  async inflate(member, take) {
    const inflater = zlib3.createInflateRaw({ chunkSize: INFLATE_CHUNK });
    let size = 0;
    let failure;
    inflater.on("data", (chunk) => {
      size += chunk.length;
      if (size > member.uncompressedSize) {
        failure ??= new Mismatch(member.name, "inflates past the size it declares");
        inflater.destroy(failure);
        return;
      }
      take(chunk);
    });
    const ended = new Promise((resolve, reject) => {
      inflater.once("end", resolve);
      inflater.once("error", reject);
    });
    ended.catch(() => void 0);
    try {
      for await (const slice of this.scan.slices(member.compressedSize)) {
        await new Promise((resolve, reject) => inflater.write(slice, (error) => error ? reject(error) : resolve()));
        if (failure) throw failure;
      }
      inflater.end();
      await ended;
    } finally {
      inflater.destroy();
    }
    if (failure) throw failure;
    if (inflater.bytesWritten !== member.compressedSize) throw new Mismatch(member.name, "its deflate stream ends before its data does");
  }
};

// src/core/check-task.ts
var SDIST_SLICE = 64 * 1024;
function withFound(result, found) {
  if (found instanceof ContentError) return { ...result, contentError: found };
  return found && found.length > 0 ? { ...result, warnings: found } : result;
}
async function finding(check, fileName, strict) {
  const findings = new Findings(fileName, strict);
  try {
    await check(findings);
    return findings.warnings;
  } catch (error) {
    if (error instanceof ContentError) return error;
    throw error;
  }
}
async function runCheckTask(task) {
  const { fileName } = task;
  const parsed = task.check ? task.parsed : void 0;
  const nameError = task.check && !parsed ? new ContentError(fileName, void 0, "not a wheel (PEP 427) or sdist (name-version.tar.gz) file name") : void 0;
  if (nameError && !task.hash) return { size: 0, contentError: nameError };
  const { fd, size, close: close3 } = await openTask(task);
  try {
    if (!parsed) {
      const scan = new Scan(fd, size, { hash: task.hash });
      return withFound(await scan.finish(), nameError);
    }
    if (parsed.kind === "wheel") return await wheelTask(fd, size, task, parsed);
    return await sdistTask(fd, size, task, parsed);
  } finally {
    await close3();
  }
}
async function openTask(task) {
  if (READS_IN_PLACE) {
    const fd = task.regular ? openRegularSync(task.path, task.fileName) : openSync2(task.path, constants2.O_RDONLY);
    try {
      return { fd, size: fstatSync2(fd).size, close: () => closeSync2(fd) };
    } catch (error) {
      closeSync2(fd);
      throw error;
    }
  }
  const handle = task.regular ? await openRegular(task.path, task.fileName) : await open3(task.path, constants2.O_RDONLY);
  try {
    return { fd: handle.fd, size: (await handle.stat()).size, close: () => handle.close() };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
async function wheelTask(fd, size, task, parsed) {
  const pass = await singlePass(fd, size, task, parsed);
  if (pass.passed) return withFound(pass.digest, pass.passed);
  return withFound(pass.digest, await referenceCheck(fd, task, parsed));
}
async function singlePass(fd, size, task, parsed) {
  const { path, fileName, strict } = task;
  const tail = await readTail(fd, size);
  const scan = new Scan(fd, size, { hash: task.hash, tail });
  let passed;
  let deferred;
  try {
    const findings = new Findings(fileName, strict);
    let zip;
    await checkWheel(path, fileName, parsed, findings, async () => zip = await ScannedZip.openScanned(fd, fileName, scan, tail));
    await zip.complete();
    passed = findings.warnings;
  } catch (error) {
    if (systemError(error)) {
      await scan.settle();
      throw error;
    }
    deferred = error;
  }
  const digest = await scan.finish();
  releaseTail(tail);
  return passed ? { digest, passed } : { digest, deferred };
}
async function sdistTask(fd, size, task, parsed) {
  const scan = new Scan(fd, size, { hash: task.hash });
  let found;
  try {
    found = await finding(() => checkSdist(task.path, task.fileName, parsed, () => scan.slices(size, SDIST_SLICE, true)), task.fileName, task.strict);
  } catch (error) {
    await scan.settle();
    throw error;
  }
  return withFound(await scan.finish(), found);
}
async function referenceCheck(fd, task, parsed) {
  return finding((findings) => checkWheel(task.path, task.fileName, parsed, findings, (path, fileName) => ZipArchive.open(path, fileName, fd)), task.fileName, task.strict);
}

// src/core/check-wire.ts
function toWire(result) {
  const { contentError, ...rest } = result;
  if (!contentError) return rest;
  return { ...rest, contentError: { file: contentError.file, ...contentError.member === void 0 ? {} : { member: contentError.member }, detail: contentError.detail } };
}
function fromWire(wire) {
  const { contentError, ...rest } = wire;
  return contentError ? { ...rest, contentError: new ContentError(contentError.file, contentError.member, contentError.detail) } : rest;
}
function toWireError(error) {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, syscall, errno, path } = error;
  return { message: error.message, name: error.name, code, syscall, errno, path, notRegular: error instanceof NotRegularFileError };
}
function fromWireError(wire) {
  if (wire.notRegular) return new NotRegularFileError(wire.message);
  const error = new Error(wire.message);
  for (const key of ["code", "syscall", "errno", "path"]) if (wire[key] !== void 0) Object.assign(error, { [key]: wire[key] });
  return error;
}
function serveChecks(port) {
  let previous = Promise.resolve();
  port.on("message", (message) => {
    previous = previous.then(
      () => runCheckTask(message.task).then(
        (result) => port.postMessage({ id: message.id, result: toWire(result) }),
        (error) => port.postMessage({ id: message.id, error: toWireError(error) })
      )
    );
  });
}

export {
  hasUnprintable,
  plain,
  quote,
  nameProblem,
  WheelGuardError,
  InputError,
  SidecarFormatError,
  IntegrityError,
  TransferError,
  ContainerError,
  UnreachableError,
  ContentError,
  NotFoundError,
  ConflictError,
  isRetryable,
  isNetworkFailure,
  messageOf,
  MAX_SIDECAR_BYTES,
  MAX_SUMS_BYTES,
  MAX_LISTING_ENTRIES,
  MAX_LISTING_PAGE_BYTES,
  MAX_WEB_LISTING_BYTES,
  MAX_REDIRECTS,
  MAX_ANNOTATIONS,
  MAX_SUMMARY_BYTES,
  LimitError,
  formatCap,
  LimitStream,
  tooLarge,
  readBounded,
  dropped,
  keepHeapSmall,
  nameKey,
  temporaryName,
  NotRegularFileError,
  irregular,
  openRegular,
  readSmallSync,
  lstatOrNothingSync,
  lstatOrNothing,
  sinkTo,
  lockDirectory,
  renameOver,
  require_yauzl,
  normalizeName,
  normalizeVersion,
  expandTags,
  versionKey,
  ZipArchive,
  parseHeaders,
  MAX_METADATA,
  runCheckTask,
  fromWire,
  fromWireError,
  serveChecks
};
