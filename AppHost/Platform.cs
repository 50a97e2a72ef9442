// The AppHost runs Debian's server programs as their Linux accounts (setpriv): it is Linux-only by design.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
