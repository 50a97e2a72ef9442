// --start runs the AppHost, which is Linux-only by design (setpriv, pdeathsig, kill).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
