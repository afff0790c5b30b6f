namespace Conciergus.Core.Telemetry;

/// <summary>OpenTelemetry GenAI semantic-convention attribute names the middleware writes on its spans.</summary>
internal static class GenAiAttributes
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string ConversationId = "gen_ai.conversation.id";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string CacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens";
    public const string CacheCreationInputTokens = "gen_ai.usage.cache_creation.input_tokens";
    public const string ReasoningOutputTokens = "gen_ai.usage.reasoning.output_tokens";
    public const string ErrorType = "error.type";
    public const string FunctionId = "conciergus.function_id";
    public const string ExperimentKey = "conciergus.experiment.key";
    public const string ExperimentVariant = "conciergus.experiment.variant";
}
