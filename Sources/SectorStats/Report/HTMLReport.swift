enum HTMLReport {
    static func render(_ input: ReportInput, lang: ReportLanguage) -> String { "" }
}
