public enum SectorStatsVersion { public static let string = "0.1.0" }
