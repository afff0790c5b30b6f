using Conciergus.Core.Ingestion;
using Conciergus.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>Issue 22 item 4: the generated ingestion key is rotated from the Admin page with a grace period for the old one.</summary>
public sealed class IngestionKeysTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "conciergus-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        // Configured keys never create the folder.
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Rotate_Grace1h_BothAcceptedUntilItEndsThenOnlyTheNewKey_AndARestartKeepsBoth()
    {
        // Arrange
        var keys = Keys();
        var old = keys.Describe().Key!;

        // Act
        var rotated = keys.Rotate(TimeSpan.FromHours(1));

        // Assert: new and old accepted; the files hold the new key and the old one with its end.
        var fresh = rotated.Key!;
        Assert.NotEqual(old, fresh);
        Assert.True(keys.IsValid(fresh));
        Assert.True(keys.IsValid(old));
        Assert.Equal(_time.GetUtcNow().AddHours(1), rotated.PreviousValidUntil);
        Assert.Equal(fresh, File.ReadAllText(Path.Combine(_directory, IngestionKeys.GeneratedKeyFile)));

        // A restart on the same folder knows both, with the same end.
        var restarted = Keys();
        Assert.Equal(fresh, restarted.Describe().Key);
        Assert.True(restarted.IsValid(old));

        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(keys.IsValid(old));
        Assert.False(restarted.IsValid(old));
        Assert.True(restarted.IsValid(fresh));
        Assert.Null(restarted.Describe().PreviousValidUntil);
    }

    [Fact]
    public void RetirePrevious_AfterRotate_OldRefusedAtOnceAlsoAfterRestart()
    {
        // Arrange
        var keys = Keys();
        var old = keys.Describe().Key!;
        keys.Rotate(TimeSpan.FromDays(7));

        // Act
        var retired = keys.RetirePrevious();

        // Assert
        Assert.True(retired);
        Assert.False(keys.IsValid(old));
        Assert.False(Keys().IsValid(old));
        Assert.False(keys.RetirePrevious());
    }

    [Fact]
    public void Rotate_ZeroGrace_OldRefusedAtOnce()
    {
        var keys = Keys();
        var old = keys.Describe().Key!;

        var fresh = keys.Rotate(TimeSpan.Zero).Key!;

        Assert.False(keys.IsValid(old));
        Assert.True(keys.IsValid(fresh));
    }

    [Fact]
    public void Rotate_ConfiguredKeys_RefusedWithWhereToRotateAndHintsOnly()
    {
        // Arrange
        var keys = Keys("configured-key-one-0123456789", "configured-key-two-abcdefghij");

        // Act
        var refusal = Assert.Throws<InvalidOperationException>(() => keys.Rotate(TimeSpan.FromHours(1)));
        var state = keys.Describe();

        // Assert
        Assert.Contains("Conciergus:Ingestion:ApiKeys", refusal.Message, StringComparison.Ordinal);
        Assert.False(state.Generated);
        Assert.Null(state.Key);
        Assert.Equal(["…6789", "…ghij"], state.Hints);
        Assert.True(keys.IsValid("configured-key-two-abcdefghij"));
        Assert.False(File.Exists(Path.Combine(_directory, IngestionKeys.GeneratedKeyFile)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(24 * 31)]
    public void Rotate_GraceOutOfRange_RefusedAndNothingChanges(int hours)
    {
        var keys = Keys();
        var old = keys.Describe().Key!;

        Assert.Throws<ArgumentOutOfRangeException>(() => keys.Rotate(TimeSpan.FromHours(hours)));

        Assert.Equal(old, keys.Describe().Key);
        Assert.Equal(old, Keys().Describe().Key);
    }

    private IngestionKeys Keys(params string[] configured)
    {
        var options = new ConciergusOptions { DataDirectory = _directory };
        return new IngestionKeys(
            Options.Create(new IngestionOptions { ApiKeys = [.. configured] }),
            new DataDirectory(Options.Create(options), _directory),
            NullLogger<IngestionKeys>.Instance,
            _time);
    }
}
