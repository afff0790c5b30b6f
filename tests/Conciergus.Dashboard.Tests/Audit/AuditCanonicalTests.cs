using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Audit;

public sealed class AuditCanonicalTests
{
    [Fact]
    public void Hash_KnownEntry_MatchesReferenceComputedWithSha256sum()
    {
        // Reference values computed independently with coreutils, from the serialization written out by hand:
        //   printf '%s' '["v1","alice","Admin","rule-1","10.0.0.1",[["a","1 \"q\""],["b","2"]]]' | sha256sum
        //   -> 7e444428b82f7f495708d3062b6498bb719e96f1274f33cbfa753db9fb28159c
        //   printf '%s' '["v1",1,"2026-11-27T12:00:00.0000000+00:00","alert.acknowledge","000…000 (64 zeros)","7e44…159c"]' | sha256sum
        //   -> fd516288979b0647b83afc8f32dd8c823e09ed8c43f09593470dab3dcde4c610
        var entry = new AuditEntry
        {
            Sequence = 1,
            Timestamp = new DateTimeOffset(2026, 11, 27, 13, 0, 0, TimeSpan.FromHours(1)), // the same instant in UTC+1
            Actor = "alice",
            Role = "Admin",
            Action = "alert.acknowledge",
            Target = "rule-1",
            SourceIp = "10.0.0.1",
            Details = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1 \"q\"" }, // unsorted on purpose
            PreviousHash = AuditCanonical.Genesis,
            Hash = "",
        };

        var (bodyHash, hash) = AuditCanonical.Compute(entry);

        Assert.Equal("""["v1","alice","Admin","rule-1","10.0.0.1",[["a","1 \"q\""],["b","2"]]]""",
            AuditCanonical.Body(entry.Actor, entry.Role, entry.Target, entry.SourceIp, entry.Details));
        Assert.Equal("7e444428b82f7f495708d3062b6498bb719e96f1274f33cbfa753db9fb28159c", bodyHash);
        Assert.Equal("fd516288979b0647b83afc8f32dd8c823e09ed8c43f09593470dab3dcde4c610", hash);
    }

    [Fact]
    public void BodyHash_ControlCharactersAndNull_EscapedAsJcs()
    {
        // printf '%s' '["v1","bob","Viewer","a\nb\u0001",null,[]]' | sha256sum
        var hash = AuditCanonical.BodyHash("bob", "Viewer", "a\nb\u0001", null, null);

        Assert.Equal("2f4a148621aa15ec35ce83354e21773c9afedb96710023ab2c2f3ea66763a620", hash);
    }

    [Theory]
    [InlineData("ab", "c")]
    [InlineData("a", "bc")]
    [InlineData("a\",\"b", "c")]
    public void Body_FieldBoundaries_AreUnambiguous(string actor, string role)
    {
        // "ab"+"c", "a"+"bc" and a quote-comma injection must all serialize differently.
        var bodies = new[] { AuditCanonical.Body("ab", "c", null, null, null), AuditCanonical.Body("a", "bc", null, null, null), AuditCanonical.Body("a\",\"b", "c", null, null, null) };

        Assert.Single(bodies, AuditCanonical.Body(actor, role, null, null, null));
    }
}
