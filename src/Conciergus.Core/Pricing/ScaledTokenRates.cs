namespace Conciergus.Core.Pricing;

/// <summary>
/// One <see cref="TokenRates"/> as whole numbers at one common decimal scale, computed once per price, so that pricing
/// a call is five integer multiply-adds instead of decimal multiplications and a decimal division.
/// </summary>
/// <remarks>
/// <para>
/// The result is the very decimal that <c>sum(tokens x rate) / 1,000,000m</c> gives, value and scale both (the scale
/// shows in JSON: "0.03" stays "0.03" and "5.00" stays "5.00"). In that formula the sum carries the largest scale S of
/// the rates that take part, and decimal division keeps S when the quotient is exact at S; otherwise it returns the
/// exact quotient without trailing zeros. Here the sum M is an integer at scale S, the quotient is M at scale S + 6,
/// and removing trailing zeros down to scale S, and no further, gives both cases at once.
/// </para>
/// <para>
/// Only operands that decimal multiplies in its 32-bit path are taken: a token count or a rate's digits above 2^32
/// go through decimal's wider path, which returns a zero product at scale 0 instead of the rate's scale, and so
/// changes the result's scale. Those, rates this cannot hold exactly (negative, a scale above 22 so that S + 6 would
/// pass decimal's 28, or more than 2^60 at scale S), and sums of 2^64 or more make <see cref="TryCost"/> answer false;
/// the caller then uses the decimal formula, whose answer for those is whatever it always was.
/// </para>
/// </remarks>
internal readonly struct ScaledTokenRates
{
    private const int MaxRateScale = 22;
    private const ulong MaxMantissa = 1UL << 60;

    private readonly ulong _input;
    private readonly ulong _output;
    private readonly ulong _cachedInput;
    private readonly ulong _cacheCreation;
    private readonly ulong _reasoning;
    private readonly ulong _inputAlone;
    private readonly byte _scale;
    private readonly byte _inputScale;
    private readonly bool _exact;

    /// <summary>Scales every rate to the largest scale among them (and the input rate, for input-only calls, to its own).</summary>
    public ScaledTokenRates(TokenRates rates)
    {
        var scale = Math.Max(Math.Max(Math.Max(rates.Input.Scale, rates.Output.Scale), Math.Max(rates.CachedInput.Scale, rates.CacheCreation.Scale)), rates.Reasoning.Scale);
        if (scale > MaxRateScale)
        {
            return;
        }

        _scale = (byte)scale;
        _inputScale = rates.Input.Scale;
        _exact = FitsOneWord(rates.Input) && FitsOneWord(rates.Output) && FitsOneWord(rates.CachedInput)
            && FitsOneWord(rates.CacheCreation) && FitsOneWord(rates.Reasoning)
            && TryScale(rates.Input, scale, out _input)
            && TryScale(rates.Output, scale, out _output)
            && TryScale(rates.CachedInput, scale, out _cachedInput)
            && TryScale(rates.CacheCreation, scale, out _cacheCreation)
            && TryScale(rates.Reasoning, scale, out _reasoning)
            && TryScale(rates.Input, _inputScale, out _inputAlone);
    }

    /// <summary>
    /// The cost in USD of token counts already split into their parts (each at least zero); false when the rates or the
    /// sum do not fit (see the remarks).
    /// </summary>
    /// <param name="inputOnly">Only <paramref name="uncachedInput"/> is billed (embeddings), at the input rate's own scale.</param>
    public bool TryCost(bool inputOnly, long uncachedInput, long cacheRead, long cacheWrite, long plainOutput, long reasoning, out decimal cost)
    {
        cost = 0m;
        if (!_exact || ((ulong)uncachedInput | (ulong)cacheRead | (ulong)cacheWrite | (ulong)plainOutput | (ulong)reasoning) > uint.MaxValue)
        {
            return false;
        }

        // Each product is below 2^32 x 2^60 and the sum of five below 2^95: UInt128 cannot overflow.
        UInt128 sum;
        int scale;
        if (inputOnly)
        {
            sum = (UInt128)(ulong)uncachedInput * _inputAlone;
            scale = _inputScale;
        }
        else
        {
            sum = ((UInt128)(ulong)uncachedInput * _input)
                + ((UInt128)(ulong)cacheRead * _cachedInput)
                + ((UInt128)(ulong)cacheWrite * _cacheCreation)
                + ((UInt128)(ulong)plainOutput * _output)
                + ((UInt128)(ulong)reasoning * _reasoning);
            scale = _scale;
        }

        if (sum > ulong.MaxValue)
        {
            return false;
        }

        // sum / 1,000,000 is `sum` at scale + 6; trailing zeros go down to the sum's own scale, no further.
        var mantissa = (ulong)sum;
        var quotientScale = scale + 6;
        while (quotientScale > scale && mantissa % 10 == 0)
        {
            mantissa /= 10;
            quotientScale--;
        }

        cost = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, isNegative: false, (byte)quotientScale);
        return true;
    }

    /// <summary>Whether the rate's own digits (its mantissa at its own scale) fit in 32 bits.</summary>
    private static bool FitsOneWord(decimal rate)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(rate, bits);
        return bits[1] == 0 && bits[2] == 0;
    }

    private static bool TryScale(decimal rate, int scale, out ulong mantissa)
    {
        mantissa = 0;
        var factor = 1m;
        for (var i = 0; i < scale; i++)
        {
            factor *= 10m;
        }

        if (rate < 0m || rate >= MaxMantissa / factor)
        {
            return false;
        }

        // Exact: the rate has at most `scale` decimals, so this is a whole number below 2^60.
        mantissa = (ulong)(rate * factor);
        return true;
    }
}
