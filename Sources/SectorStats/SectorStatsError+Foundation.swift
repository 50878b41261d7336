import Foundation

extension SectorStatsError {
    /// Any error as one of ours, in words: Foundation's file errors (`Code=513`, `Code=516`, …)
    /// say what went wrong with which file; our own errors are returned as they are.
    public init(describing error: Error) {
        if let e = error as? SectorStatsError {
            self = e
            return
        }
        let ns = error as NSError
        let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        var code = Code.internalError
        var message = "\(error)"
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteNoPermission:
                (code, message) = (.fileNotWritable, "permission denied: this user may not write here; choose another place or change its permissions")
            case .fileReadNoPermission:
                (code, message) = (.fileNotReadable, "permission denied: this user may not read it")
            case .fileWriteFileExists:
                (code, message) = (.fileNotWritable, "already exists and is in the way (a file where a folder is needed, or the reverse)")
            case .fileNoSuchFile, .fileReadNoSuchFile:
                (code, message) = (.fileNotReadable, "no such file or folder")
            case .fileWriteOutOfSpace:
                (code, message) = (.fileNotWritable, "no space left on the device")
            case .fileWriteVolumeReadOnly:
                (code, message) = (.fileNotWritable, "the file system is read-only")
            case .fileWriteInvalidFileName:
                (code, message) = (.fileNotWritable, "not a valid file name")
            default:
                message = Self.posixReason(ns) ?? ns.localizedDescription
            }
        } else if ns.domain == NSPOSIXErrorDomain {
            message = String(cString: strerror(Int32(ns.code)))
        }
        self.init(code, file: path, message)
    }

    /// The POSIX reason under a Foundation error, when there is one.
    private static func posixReason(_ ns: NSError) -> String? {
        guard let under = ns.userInfo[NSUnderlyingErrorKey] as? NSError, under.domain == NSPOSIXErrorDomain else { return nil }
        return String(cString: strerror(Int32(under.code)))
    }
}
