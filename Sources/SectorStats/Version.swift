public enum SectorStatsVersion { public static let string = "0.2.0" }
