/// The error every fallible API of the core library throws: a stable code for programs,
/// the file (and where known the line and field) it concerns, and a message a user can act on.
public struct SectorStatsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A stable, extensible error code (`fileNotReadable`, `corruptData`, …).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let fileNotReadable = Code(rawValue: "fileNotReadable")
        public static let fileNotWritable = Code(rawValue: "fileNotWritable")
        public static let corruptData = Code(rawValue: "corruptData")
        public static let unsupportedEncoding = Code(rawValue: "unsupportedEncoding")
        public static let emptyInput = Code(rawValue: "emptyInput")
        /// A whole input refused (a required column missing): exit code 65.
        public static let inputRefused = Code(rawValue: "inputRefused")
        /// The pipeline file is not valid (exit code 64).
        public static let invalidPipeline = Code(rawValue: "invalidPipeline")
        /// Another run holds the output folder's lock (exit code 75).
        public static let locked = Code(rawValue: "locked")
        /// A command-line value that makes no sense (exit code 64).
        public static let invalidArgument = Code(rawValue: "invalidArgument")
        /// A stage's persisted inputs are missing (exit code 1).
        public static let missingStageInput = Code(rawValue: "missingStageInput")
        /// Something inside the output folder that sectorstats did not make (a symbolic link
        /// where it keeps a folder or file): refused rather than followed (exit code 1).
        public static let unsafeOutputFolder = Code(rawValue: "unsafeOutputFolder")
        /// An input that changed while it was hashed or read (exit code 1: run again).
        public static let inputChanged = Code(rawValue: "inputChanged")
        public static let internalError = Code(rawValue: "internalError")
    }

    public var code: Code
    public var file: String?
    public var line: Int?
    public var field: String?
    public var message: String

    public init(_ code: Code, file: String? = nil, line: Int? = nil, field: String? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    /// One line: `file:line: field: message`, the parts that are known.
    public var description: String {
        var s = ""
        if let file { s += file }
        if let line { s += (s.isEmpty ? "line \(line)" : ":\(line)") }
        if let field { s += (s.isEmpty ? "" : ": ") + "field \(field)" }
        return s.isEmpty ? message : "\(s): \(message)"
    }
}
