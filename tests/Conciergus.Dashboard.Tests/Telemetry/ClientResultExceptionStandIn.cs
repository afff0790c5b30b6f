// A stand-in with the full name and Status property of System.ClientModel's exception (used by the OpenAI
// and Azure OpenAI SDKs), which the tests do not reference: the middleware recognises it by type name.
#pragma warning disable CA1032, CA1064 // Test double: only the constructor the test needs.
namespace System.ClientModel;

internal sealed class ClientResultException(string message, int status) : Exception(message)
{
    public int Status { get; } = status;
}
