using System.IO.Pipelines;

namespace Appliance.Tests.Infrastructure;

/// <summary>Two pipe ends as one connection, for driving a session loop in memory.</summary>
public sealed record TestPipes(PipeReader Input, PipeWriter Output) : IDuplexPipe;
