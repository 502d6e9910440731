namespace Appliance.Filtering.Scanning;

/// <summary>What a reply parser made of the bytes read so far.</summary>
public enum ScannerReplyStatus
{
    Complete,
    /// <summary>Need more bytes: the reply is not finished yet.</summary>
    Incomplete,
    /// <summary>Not the scanner's protocol; the error names what was wrong.</summary>
    Malformed,
}
