// Every end-to-end test class can take SharedSystem in its constructor: one running system for the whole run.
[assembly: AssemblyFixture(typeof(Commerce.Testing.SharedSystem))]
