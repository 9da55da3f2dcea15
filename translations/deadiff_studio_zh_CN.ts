<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>QObject</name>
        <message>
            <location filename="../ui/drop_zone.cpp" line="49" />
            <source>Images (%1);;All files (*)</source>
            <translation>图像 (%1);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../ui/text_format.cpp" line="14" />
            <source>%1 s</source>
            <translation>%1 秒</translation>
        </message>
        <message>
            <location filename="../ui/text_format.cpp" line="15" />
            <source>%1 min %2 s</source>
            <translation>%1 分 %2 秒</translation>
        </message>
        <message>
            <location filename="../ui/result_history.cpp" line="116" />
            <source>cannot create the output folder %1</source>
            <translation>无法创建输出文件夹 %1</translation>
        </message>
        <message>
            <location filename="../ui/result_history.cpp" line="137" />
            <source>cannot write the history index %1: %2</source>
            <translation>无法写入历史索引 %1：%2</translation>
        </message>
        <message>
            <location filename="../ui/result_history.cpp" line="148" />
            <location filename="../ui/result_history.cpp" line="153" />
            <source>cannot rewrite the history index %1: %2</source>
            <translation>无法重写历史索引 %1：%2</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="48" />
            <source>The conversion needs %1 of disk space and %2 is free.</source>
            <translation>转换需要 %1 的磁盘空间，但只有 %2 可用。</translation>
        </message>
    </context>
    <context>
        <name>deadiff::net::Downloader</name>
        <message>
            <location filename="../net/downloader.cpp" line="88" />
            <source>Cancelled before the download started.</source>
            <translation>下载开始前已取消。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="93" />
            <source>%1 is already there.</source>
            <translation>%1 已经存在。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="103" />
            <source>The partial file %1 is larger than the download; starting over.</source>
            <translation>部分文件 %1 比下载的文件还大；重新开始下载。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="124" />
            <source>Not enough disk space: the download needs %1 more (plus %2 to spare), but only %3 is free in %4. Free some space or choose another models folder (XDG_DATA_HOME), then download again.</source>
            <translation>磁盘空间不足：下载还需要 %1（另加 %2 余量），但 %4 中只有 %3 可用。请释放空间或选择其他模型文件夹（XDG_DATA_HOME），然后重新下载。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="134" />
            <source>Resuming at %1 of %2.</source>
            <translation>从 %1 / %2 处继续下载。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="161" />
            <source>Cancelled; the %1 downloaded so far are kept and the next download resumes from there.</source>
            <translation>已取消；已下载的 %1 会保留，下次下载将从该处继续。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="173" />
            <source>Cancelled.</source>
            <translation>已取消。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="205" />
            <source>The server sent another part of the file (%1) than asked for; starting over.</source>
            <translation>服务器发送的文件片段（%1）与请求的不符；重新开始下载。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="218" />
            <source>The server offers %1 bytes, the catalogue says %2: the file changed on the server or the catalogue's URL is wrong (%3). Nothing was kept from this answer.</source>
            <translation>服务器提供 %1 字节，目录记载为 %2：服务器上的文件已改变，或目录中的网址有误（%3）。此次响应的内容均未保留。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="227" />
            <source>The server ignored the request to resume at %1 (no HTTP Range support); starting over from zero.</source>
            <translation>服务器忽略了从 %1 处继续的请求（不支持 HTTP Range）；从零重新开始下载。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="245" />
            <source>The server cannot resume at %1; starting over.</source>
            <translation>服务器无法从 %1 处继续；重新开始下载。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="265" />
            <source>The server sent more than the %1 bytes the catalogue states (%2): the file changed on the server or the URL is wrong.</source>
            <translation>服务器发送的数据超过目录记载的 %1 字节（%2）：服务器上的文件已改变，或网址有误。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="306" />
            <source>Cancelled at %1 of %2; the partial download is kept and the next download resumes from there.</source>
            <translation>在 %1 / %2 处取消；已下载的部分会保留，下次下载将从该处继续。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="318" />
            <source>The partial file did not match the server's file</source>
            <translation>部分文件与服务器上的文件不一致</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="324" />
            <source>HTTP %1 %2 from %3</source>
            <translation>来自 %3 的 HTTP %1 %2</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="334" />
            <source>The file is not at that address: the catalogue is out of date or the file was moved.</source>
            <translation>该地址上没有这个文件：目录已过时，或文件已被移动。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="336" />
            <source>The server refused the download.</source>
            <translation>服务器拒绝了下载。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="338" />
            <source>The %1 downloaded earlier are kept.</source>
            <translation>之前下载的 %1 已保留。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="350" />
            <source>The connection ended at %1 of %2</source>
            <translation>连接在 %1 / %2 处中断</translation>
        </message>
        <message numerus="yes">
            <location filename="../net/downloader.cpp" line="361" />
            <source>%1. Gave up after %n attempt(s) without progress; the %2 downloaded so far are kept: download again to resume.</source>
            <translation>
                <numerusform>%1。连续 %n 次尝试都没有进展，已放弃；已下载的 %2 会保留：重新下载即可继续。</numerusform>
            </translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="371" />
            <source>%1; resuming at %2 in %3 s (attempt %4 of %5).</source>
            <translation>%1；%3 秒后从 %2 处继续（第 %4 次尝试，共 %5 次）。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="396" />
            <source>Nothing was kept. Download it again; if the hash is wrong again, the file on the server is not the one the catalogue describes.</source>
            <translation>未保留任何内容。请重新下载；如果哈希值仍然不对，说明服务器上的文件不是目录所描述的那个。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="405" />
            <source>Cancelled while verifying; the complete download is kept and is verified next time.</source>
            <translation>校验时已取消；完整的下载文件已保留，下次会再校验。</translation>
        </message>
        <message>
            <location filename="../net/downloader.cpp" line="409" />
            <source>Verified (SHA-256 %1) and saved as %2.</source>
            <translation>已校验（SHA-256 %1）并保存为 %2。</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::BatchDialog</name>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="33" />
            <source>Batch Export</source>
            <translation>批量导出</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="38" />
            <source>One prompt per line</source>
            <translation>每行一个提示词</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="44" />
            <source>Add References…</source>
            <translation>添加参考图…</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="45" />
            <source>Each chosen image becomes its own style set</source>
            <translation>每张选中的图像各自成为一组风格</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="46" />
            <source>Add a Mix…</source>
            <translation>添加混合…</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="47" />
            <source>The chosen images become one set, mixed with equal weights (or the mix values for two)</source>
            <translation>选中的图像组成一组，按相同权重混合（两张时按混合值）</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="49" />
            <source>Remove</source>
            <translation>移除</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="51" />
            <source>Choose Style References</source>
            <translation>选择风格参考图</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="148" />
            <source>Seeds:</source>
            <translation>种子：</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="98" />
            <source>e.g. 1, 2, 3 (empty: one random seed for all)</source>
            <translation>例如 1, 2, 3（留空：所有图像共用一个随机种子）</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="92" />
            <source>e.g. 30, 50, 70 (% of style B, for sets of two references)</source>
            <translation>例如 30, 50, 70（风格 B 所占百分比，用于两张参考图的组）</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="93" />
            <source>30 means %1, as on the form's Mix slider</source>
            <translation>30 表示 %1，与表单上的混合滑块一致</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="95" />
            <source>List:</source>
            <translation>列表：</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="99" />
            <source>Number of seeds:</source>
            <translation>种子数量：</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="104" />
            <source>Seeds follow the form's seed: s, s+1, …</source>
            <translation>种子从表单中的种子依次递增：s, s+1, …</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="115" />
            <source>e.g. 0.6, 0.8, 1.0 (empty: %1)</source>
            <translation>例如 0.6, 0.8, 1.0（留空：%1）</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="123" />
            <source>Browse…</source>
            <translation>浏览…</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="126" />
            <source>Output Folder</source>
            <translation>输出文件夹</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="136" />
            <source>Fields: {index} {seed} {style} {prompt} {mix} {image_weight} {steps} {cfg} {width} {height} {sampler} {batch_index}; {prompt:20} keeps 20 characters</source>
            <translation>可用字段：{index} {seed} {style} {prompt} {mix} {image_weight} {steps} {cfg} {width} {height} {sampler} {batch_index}；{prompt:20} 表示保留前 20 个字符</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="145" />
            <source>Prompts:</source>
            <translation>提示词：</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="146" />
            <source>Style sets:</source>
            <translation>风格组：</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="147" />
            <source>Mix (% of B):</source>
            <translation>混合（B 的 %）：</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="149" />
            <source>Image weights:</source>
            <translation>图像权重：</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="150" />
            <source>Output folder:</source>
            <translation>输出文件夹：</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="151" />
            <source>File names:</source>
            <translation>文件名：</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="154" />
            <source>Add to Queue</source>
            <translation>加入队列</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="208" />
            <source>%1: '%2' is not a number.</source>
            <translation>%1：“%2”不是数字。</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="226" />
            <source>Prompts: write at least one prompt.</source>
            <translation>提示词：请至少填写一个提示词。</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="236" />
            <source>Mix values</source>
            <translation>混合值</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="237" />
            <source>Image weights</source>
            <translation>图像权重</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="243" />
            <source>Mix values: %1 is not a share of style B between 0 and 100 %.</source>
            <translation>混合值：%1 不是 0 到 100 % 之间的风格 B 占比。</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="255" />
            <source>Seeds: '%1' is not a whole number ≥ 0.</source>
            <translation>种子：“%1”不是大于等于 0 的整数。</translation>
        </message>
        <message>
            <location filename="../ui/batch_dialog.cpp" line="287" />
            <source>Output folder: choose where the images go.</source>
            <translation>输出文件夹：请选择图像的保存位置。</translation>
        </message>
        <message numerus="yes">
            <location filename="../ui/batch_dialog.cpp" line="290" />
            <source>%n image(s); images already in the folder with the same settings are kept.</source>
            <translation>
                <numerusform>共 %n 张图像；文件夹中已有的相同设置的图像将被保留。</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::BatchQueuePanel</name>
        <message>
            <location filename="../ui/batch_queue.cpp" line="36" />
            <source>Image: %p%</source>
            <translation>当前图像：%p%</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="39" />
            <source>Job: %v / %m</source>
            <translation>任务：%v / %m</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="43" />
            <location filename="../ui/batch_queue.cpp" line="147" />
            <source>Pause</source>
            <translation>暂停</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="45" />
            <source>Cancel Job</source>
            <translation>取消任务</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="76" />
            <source>Seconds per image</source>
            <translation>每张图像耗时（秒）</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="79" />
            <source>Image</source>
            <translation>图像</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="80" />
            <source>Seconds</source>
            <translation>秒</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="127" />
            <source>queued</source>
            <translation>排队中</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="129" />
            <source>running</source>
            <translation>运行中</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="131" />
            <source>paused</source>
            <translation>已暂停</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="133" />
            <source>done</source>
            <translation>已完成</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="135" />
            <source>cancelled</source>
            <translation>已取消</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="137" />
            <source>failed</source>
            <translation>失败</translation>
        </message>
        <message numerus="yes">
            <location filename="../ui/batch_queue.cpp" line="139" />
            <source>%n image(s) → %1 — %2</source>
            <translation>
                <numerusform>%n 张图像 → %1 — %2</numerusform>
            </translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="147" />
            <source>Resume</source>
            <translation>继续</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="179" />
            <source>Image %1 of %2</source>
            <translation>第 %1 / %2 张</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="181" />
            <source> · %1 left</source>
            <translation> · 剩余 %1</translation>
        </message>
        <message numerus="yes">
            <location filename="../ui/batch_queue.cpp" line="183" />
            <source> · %n kept</source>
            <translation>
                <numerusform> · 保留 %n 张</numerusform>
            </translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="204" />
            <source>%1 new, %2 kept</source>
            <translation>新生成 %1 张，保留 %2 张</translation>
        </message>
        <message>
            <location filename="../ui/batch_queue.cpp" line="211" />
            <source>Done.</source>
            <translation>完成。</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::DownloadDialog</name>
        <message>
            <location filename="../ui/download_dialog.cpp" line="64" />
            <source>Download Models</source>
            <translation>下载模型</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="72" />
            <source>Models folder: %1</source>
            <translation>模型文件夹：%1</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="74" />
            <source>Open Folder</source>
            <translation>打开文件夹</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="85" />
            <source>Name</source>
            <translation>名称</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="85" />
            <source>Kind</source>
            <translation>类型</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="85" />
            <source>Size</source>
            <translation>大小</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="85" />
            <source>State</source>
            <translation>状态</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="100" />
            <source>I have read the licence note above and accept it</source>
            <translation>我已阅读并接受上面的许可说明</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="119" />
            <location filename="../ui/download_dialog.cpp" line="248" />
            <source>Download</source>
            <translation>下载</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="122" />
            <source>Cancel Download</source>
            <translation>取消下载</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="125" />
            <source>Convert to Safetensors</source>
            <translation>转换为 Safetensors</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="128" />
            <source>A .ckpt/.pth checkpoint is a Python pickle: DEADiff Studio reads it with a restricted reader, but a one-time conversion to safetensors means it is never unpickled again and loads faster (memory-mapped).</source>
            <translation>.ckpt/.pth 检查点是 Python pickle 文件：DEADiff Studio 用受限的读取器读取它，但一次性转换为 safetensors 后就再也不必反序列化 pickle，而且加载更快（内存映射）。</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="132" />
            <source>Use This Model</source>
            <translation>使用此模型</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="163" />
            <source>The model catalogue (model-catalog.json) is not installed.</source>
            <translation>模型目录（model-catalog.json）未安装。</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="167" />
            <source>The model catalogue cannot be used: %1</source>
            <translation>无法使用模型目录：%1</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="181" />
            <source>Not downloaded</source>
            <translation>未下载</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="183" />
            <source>Downloaded, converted to safetensors</source>
            <translation>已下载，已转换为 safetensors</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="185" />
            <source>Downloaded</source>
            <translation>已下载</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="187" />
            <source>Partly downloaded (%1 %)</source>
            <translation>部分下载（%1 %）</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="232" />
            <source>%1 model, %2. From %3&lt;br&gt;into %4&lt;br&gt;SHA-256 %5</source>
            <translation>%1 模型，%2。来源 %3&lt;br&gt;保存到 %4&lt;br&gt;SHA-256 %5</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="236" />
            <source>Licence</source>
            <translation>许可</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="248" />
            <source>Resume Download</source>
            <translation>继续下载</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="287" />
            <source>Starting…</source>
            <translation>正在启动…</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="296" />
            <source>Cancelling…</source>
            <translation>正在取消…</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="305" />
            <source>%1 of %2</source>
            <translation>%1 / %2</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="309" />
            <source>%1/s · %2 left</source>
            <translation>%1/秒 · 剩余 %2</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="318" />
            <source>Verifying SHA-256… %p%</source>
            <translation>正在校验 SHA-256… %p%</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="319" />
            <source>Checking that the file is exactly the catalogue's before it is used.</source>
            <translation>使用前先确认文件与目录中记载的完全一致。</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="327" />
            <source>Done</source>
            <translation>完成</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="330" />
            <source>Cancelled</source>
            <translation>已取消</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="333" />
            <source>Failed</source>
            <translation>失败</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="341" />
            <source>This is a pickle checkpoint: convert it once to safetensors (Convert to Safetensors) so it is never unpickled again.</source>
            <translation>这是 pickle 检查点：请将其一次性转换为 safetensors（“转换为 Safetensors”），以后就不必再反序列化 pickle。</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="367" />
            <source>Converting…</source>
            <translation>正在转换…</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="368" />
            <source>Converting %1 to %2…</source>
            <translation>正在将 %1 转换为 %2…</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="382" />
            <source>Converted</source>
            <translation>已转换</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="382" />
            <source>Not converted</source>
            <translation>未转换</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="384" />
            <source>Converted: the model now loads from the safetensors file. The checkpoint can be deleted to free space.</source>
            <translation>已转换：模型现在从 safetensors 文件加载。可以删除原检查点以释放空间。</translation>
        </message>
        <message>
            <location filename="../ui/download_dialog.cpp" line="386" />
            <source>The conversion failed: %1</source>
            <translation>转换失败：%1</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::EngineMessages</name>
        <message>
            <location filename="../ui/engine_messages.cpp" line="26" />
            <source>Style A</source>
            <translation>风格 A</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="27" />
            <source>Style B</source>
            <translation>风格 B</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="28" />
            <source>Style reference %1</source>
            <translation>风格参考图 %1</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="29" />
            <source>Weight of %1</source>
            <translation>%1 的权重</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="36" />
            <source>Prompt</source>
            <translation>提示词</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="37" />
            <source>Negative prompt</source>
            <translation>反向提示词</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="38" />
            <source>Style references</source>
            <translation>风格参考图</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="39" />
            <source>Mix</source>
            <translation>混合</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="40" />
            <source>Content reference</source>
            <translation>内容参考图</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="41" />
            <source>Mode</source>
            <translation>模式</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="42" />
            <source>Image weight</source>
            <translation>图像权重</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="43" />
            <source>Seed</source>
            <translation>种子</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="44" />
            <source>Steps</source>
            <translation>步数</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="45" />
            <source>CFG</source>
            <translation>引导系数</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="46" />
            <source>Sampler</source>
            <translation>采样器</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="47" />
            <source>Width</source>
            <translation>宽度</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="48" />
            <source>Height</source>
            <translation>高度</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="49" />
            <source>Images</source>
            <translation>张数</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="50" />
            <source>Precision</source>
            <translation>精度</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="51" />
            <source>Depth map</source>
            <translation>深度图</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="52" />
            <source>Photo to estimate depth from</source>
            <translation>用于估计深度的照片</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="53" />
            <source>Depth model</source>
            <translation>深度模型</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="54" />
            <source>ControlNet checkpoint</source>
            <translation>ControlNet 权重文件</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="55" />
            <source>ControlNet strength</source>
            <translation>ControlNet 强度</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="56" />
            <location filename="../ui/engine_messages.cpp" line="57" />
            <source>ControlNet steps from – to</source>
            <translation>ControlNet 作用步数（从 – 到）</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="73" />
            <source>Write a prompt first: the words that say what the picture shows.</source>
            <translation>请先写提示词：用文字说明画面里有什么。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="74" />
            <source>%1 is required.</source>
            <translation>必须填写%1。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="77" />
            <source>%1 must be a multiple of 64 between %2 and %3 px (it is %4).</source>
            <translation>%1必须是 %2 到 %3 像素之间 64 的倍数（当前为 %4）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="80" />
            <source>%1 must be between %2 and %3 (it is %4).</source>
            <translation>%1必须在 %2 到 %3 之间（当前为 %4）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="83" />
            <source>%1 must lie between %2 and %3 (it is %4).</source>
            <translation>%1必须在 %2 到 %3 之间（当前为 %4）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="86" />
            <source>%1 must be zero or more (it is %2).</source>
            <translation>%1不能小于零（当前为 %2）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="88" />
            <source>The style weights must not all be zero.</source>
            <translation>风格权重不能全部为零。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="90" />
            <source>This mode takes its style from a reference: drop an image on Style A, or set the mode to “None (prompt only)”.</source>
            <translation>此模式从参考图获取风格：请把图像拖到“风格 A”上，或把模式设为“无（仅提示词）”。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="93" />
            <source>The mode “Content” needs a content reference (or a style reference).</source>
            <translation>“内容”模式需要一张内容参考图（或风格参考图）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="95" />
            <source>%1 has no file.</source>
            <translation>%1没有文件。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="97" />
            <source>ControlNet depth is on with a depth map but no ControlNet checkpoint: choose the ControlNet depth checkpoint (.pth or .safetensors), or switch the panel off.</source>
            <translation>ControlNet 深度已开启并有深度图，但没有 ControlNet 权重文件：请选择 ControlNet 深度权重（.pth 或 .safetensors），或关闭此面板。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="101" />
            <source>ControlNet depth is on without a depth map: drop a depth map (or a photo to estimate one from) on the Depth slot, or switch the panel off.</source>
            <translation>ControlNet 深度已开启但没有深度图：请把深度图（或用于估计深度的照片）拖到“深度”栏，或关闭此面板。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="104" />
            <source>Estimating depth from a photo needs a depth model: choose a MiDaS .onnx file.</source>
            <translation>从照片估计深度需要深度模型：请选择 MiDaS .onnx 文件。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="106" />
            <source>ControlNet steps: “from” must not be after “to”, both between 0 and 1.</source>
            <translation>ControlNet 步数：“从”不能晚于“到”，两者都在 0 到 1 之间。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="108" />
            <source>Give either a depth map or a photo to estimate depth from, not both.</source>
            <translation>请只给出深度图或用于估计深度的照片，不要两者都给。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="110" />
            <source>%1: the value is not valid (%2).</source>
            <translation>%1：值无效（%2）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="118" />
            <source>%1 is not an image in a format DEADiff Studio reads (PNG, JPEG, WebP, BMP, TIFF, PPM/PGM).</source>
            <translation>%1 不是 DEADiff Studio 能读取的图像格式（PNG、JPEG、WebP、BMP、TIFF、PPM/PGM）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="122" />
            <source>%1 is damaged: its image data is truncated or corrupt.</source>
            <translation>%1 已损坏：图像数据不完整或有错。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="124" />
            <source>%1 does not exist (moved or deleted?).</source>
            <translation>%1 不存在（已移动或删除？）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="126" />
            <source>%1 is a folder, not an image file.</source>
            <translation>%1 是文件夹，不是图像文件。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="128" />
            <source>%1 is empty (0 bytes).</source>
            <translation>%1 是空文件（0 字节）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="130" />
            <source>%1 is a GIF, which DEADiff Studio does not read: convert it to PNG first.</source>
            <translation>%1 是 GIF，DEADiff Studio 无法读取：请先转换为 PNG。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="135" />
            <source>%1 is %2 pixels; the largest side accepted is %3 pixels. Scale it down first.</source>
            <translation>%1 为 %2 像素；最长边最多 %3 像素。请先缩小。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="138" />
            <source>%1 has no pixels (zero size).</source>
            <translation>%1 没有像素（尺寸为零）。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="147" />
            <source>%1 is a ControlNet checkpoint, not a DEADiff model: choose it in the ControlNet depth panel, and a DEADiff checkpoint as the model.</source>
            <translation>%1 是 ControlNet 权重，不是 DEADiff 模型：请在 ControlNet 深度面板中选择它，并选择 DEADiff 权重作为模型。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="153" />
            <source>%1 is a plain Stable Diffusion checkpoint without the DEADiff parts: choose deadiff_v1.ckpt.</source>
            <translation>%1 是不含 DEADiff 部分的普通 Stable Diffusion 权重：请选择 deadiff_v1.ckpt。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="39" />
            <source>ControlNet %1</source>
            <translation>ControlNet %1</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="41" />
            <source>%1 file</source>
            <translation>%1 文件</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="42" />
            <source>%1 kind</source>
            <translation>%1 类型</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="43" />
            <location filename="../ui/engine_messages.cpp" line="44" />
            <source>%1 hint</source>
            <translation>%1 提示图</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="45" />
            <source>%1 preprocessor</source>
            <translation>%1 预处理</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="46" />
            <source>%1 depth model</source>
            <translation>%1 深度模型</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="47" />
            <location filename="../ui/engine_messages.cpp" line="48" />
            <source>%1 preprocessor setting</source>
            <translation>%1 预处理参数</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="49" />
            <source>%1 strength</source>
            <translation>%1 强度</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="50" />
            <location filename="../ui/engine_messages.cpp" line="51" />
            <source>%1 steps from – to</source>
            <translation>%1 作用步数（从–到）</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="120" />
            <source>%1: choose the ControlNet checkpoint (.pth or .safetensors), remove the unit, or switch the ControlNet panel off.</source>
            <translation>%1：请选择 ControlNet 模型文件（.pth 或 .safetensors），或移除该单元，或关闭 ControlNet 面板。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="124" />
            <source>%1: drop a picture (or a ready hint) on its Hint slot, remove the unit, or switch the ControlNet panel off.</source>
            <translation>%1：请在它的“提示图”位置拖入一张图片（或现成的提示图），或移除该单元，或关闭 ControlNet 面板。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="128" />
            <source>%1: no preprocessor here makes this kind of hint: choose one, or drop a ready hint and choose “None”.</source>
            <translation>%1：本程序没有能生成这类提示图的预处理：请选择一种预处理，或拖入现成的提示图并选择“无”。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="134" />
            <source>%1: “from” must not be after “to”, both between 0 and 1.</source>
            <translation>%1：“从”不能晚于“到”，两者都须在 0 到 1 之间。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="136" />
            <source>%1: give either a ready hint or a picture to make one from, not both.</source>
            <translation>%1：请给出现成的提示图或用来生成提示图的图片，二者只能选一。</translation>
        </message>
        <message>
            <location filename="../ui/engine_messages.cpp" line="176" />
            <source>%1 is a ControlNet checkpoint, not a DEADiff model: choose it in the ControlNet panel, and a DEADiff checkpoint as the model.</source>
            <translation>%1 是 ControlNet 模型文件，不是 DEADiff 模型：请在 ControlNet 面板中选择它，并选择一个 DEADiff 模型文件作为模型。</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::Gallery</name>
        <message>
            <location filename="../ui/gallery.cpp" line="95" />
            <source>seed %1</source>
            <translation>种子 %1</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="97" />
            <source>%1 % B</source>
            <translation>B %1%</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="99" />
            <source>no reference</source>
            <translation>无参考图</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="109" />
            <source>Styles: %1</source>
            <translation>风格：%1</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="111" />
            <source>Mix: %1</source>
            <translation>混合：%1</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="112" />
            <source>Seed %1 · %2 × %3 px · %4 steps</source>
            <translation>种子 %1 · %2 × %3 像素 · %4 步</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="117" />
            <source>Not saved yet</source>
            <translation>尚未保存</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="232" />
            <source>Save As…</source>
            <translation>另存为…</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="233" />
            <source>Copy Image</source>
            <translation>复制图像</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="234" />
            <source>Reuse Settings</source>
            <translation>重用这些设置</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="237" />
            <source>Use as Style Reference A</source>
            <translation>用作风格参考 A</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="239" />
            <source>Use as Style Reference B</source>
            <translation>用作风格参考 B</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="242" />
            <source>Compare the Two Selected</source>
            <translation>比较选中的两张</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="247" />
            <source>Compare (select two results)</source>
            <translation>比较（请选中两张结果）</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="248" />
            <source>Show in Folder</source>
            <translation>在文件夹中显示</translation>
        </message>
        <message numerus="yes">
            <location filename="../ui/gallery.cpp" line="252" />
            <source>Delete %n Results…</source>
            <translation>
                <numerusform>删除 %n 张结果…</numerusform>
            </translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="253" />
            <source>Delete…</source>
            <translation>删除…</translation>
        </message>
        <message>
            <location filename="../ui/gallery.cpp" line="241" />
            <source>Use as Start Image</source>
            <translation>用作起始图像</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::GenerationForm</name>
        <message>
            <location filename="../ui/generation_form.cpp" line="251" />
            <source>Prompt</source>
            <translation>提示词</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="222" />
            <location filename="../ui/generation_form.cpp" line="255" />
            <source>Describe the picture, e.g. “a lighthouse on a cliff at dusk”</source>
            <translation>描述画面，例如“黄昏时悬崖上的灯塔”</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="178" />
            <source>Click a subject to use it as the prompt</source>
            <translation>点击一个主体，把它用作提示词</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="183" />
            <source>Get the Real Weights…</source>
            <translation>获取完整权重…</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="185" />
            <source>Where the full DEADiff model comes from: it paints any prompt at 512 px</source>
            <translation>完整 DEADiff 模型从哪里获取：它能以 512 像素画出任何提示词</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="211" />
            <source>What %1 can paint</source>
            <translation>%1 会画什么</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="213" />
            <source>&lt;b&gt;Subjects&lt;/b&gt; (the prompt): %1&lt;br&gt;&lt;b&gt;Styles&lt;/b&gt; (from a reference image): %2</source>
            <translation>&lt;b&gt;主体&lt;/b&gt;（写在提示词里）：%1&lt;br&gt;&lt;b&gt;风格&lt;/b&gt;（来自参考图）：%2</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="217" />
            <source>Name a subject this model knows, e.g. “%1” or “%2”</source>
            <translation>写一个此模型认识的主体，例如“%1”或“%2”</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="245" />
            <source>This model does not know %1: it paints only the subjects on its card, so these words are noise to it.</source>
            <translation>此模型不认识 %1：它只会画卡片上列出的主体，这些词对它来说只是噪声。</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="270" />
            <source>Negative prompt</source>
            <translation>反向提示词</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="273" />
            <source>What the picture should avoid</source>
            <translation>画面中应避免的内容</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="286" />
            <source>Style references</source>
            <translation>风格参考图</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="289" />
            <source>Style A</source>
            <translation>风格 A</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="289" />
            <source>Drop a style image here</source>
            <translation>将风格图像拖放到这里</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="291" />
            <source>Style B</source>
            <translation>风格 B</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="291" />
            <source>Drop a second style to mix</source>
            <translation>拖入第二张风格图以进行混合</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="310" />
            <source>How much of style B goes into the mix (needs two references)</source>
            <translation>混合中风格 B 所占的比例（需要两张参考图）</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="328" />
            <source>Strength of the reference images against the prompt</source>
            <translation>参考图相对于提示词的影响强度</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="332" />
            <source>Style</source>
            <translation>风格</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="333" />
            <location filename="../ui/generation_form.cpp" line="357" />
            <source>Content</source>
            <translation>内容</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="334" />
            <source>Style and content</source>
            <translation>风格与内容</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="335" />
            <source>None (prompt only)</source>
            <translation>无（仅使用提示词）</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="336" />
            <source>The style references set the look; the prompt sets the subject</source>
            <translation>风格参考图决定画面风格，提示词决定主体</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="338" />
            <source>The content reference (or style A) sets the subject</source>
            <translation>由内容参考图（或风格 A）决定主体</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="340" />
            <source>Style from the style references, subject from the content reference</source>
            <translation>风格取自风格参考图，主体取自内容参考图</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="342" />
            <source>Plain Stable Diffusion 1.5: references are ignored</source>
            <translation>纯 Stable Diffusion 1.5：忽略所有参考图</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="347" />
            <source>Mix</source>
            <translation>混合</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="348" />
            <source>Image weight</source>
            <translation>图像权重</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="349" />
            <source>Mode</source>
            <translation>模式</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="355" />
            <source>Content reference (optional)</source>
            <translation>内容参考图（可选）</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="357" />
            <source>Drop an image whose subject to keep</source>
            <translation>拖入一张要保留其主体的图像</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="368" />
            <source>ControlNet depth (layout)</source>
            <translation>ControlNet 深度（构图）</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="372" />
            <source>Hold the layout of a depth map while the style comes from the references (needs a ControlNet depth checkpoint)</source>
            <translation>保持深度图的构图，风格仍来自参考图（需要 ControlNet 深度模型文件）</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="377" />
            <source>Depth</source>
            <translation>深度</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="377" />
            <source>Drop a depth map or a photo</source>
            <translation>拖入深度图或照片</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="386" />
            <source>Depth map preview</source>
            <translation>深度图预览</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="387" />
            <source>The depth map as the ControlNet sees it: normalised, near is bright; resized to the image size when generating</source>
            <translation>ControlNet 所见的深度图：已归一化，近处为亮；生成时缩放到图像尺寸</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="398" />
            <source>Image is a depth map</source>
            <translation>图像是深度图</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="400" />
            <source>Grayscale or RGB, 8 or 16 bit, near = bright</source>
            <translation>灰度或 RGB，8 位或 16 位，近处为亮</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="402" />
            <source>Estimate depth from the photo</source>
            <translation>从照片估计深度</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="404" />
            <source>Runs a MiDaS ONNX depth model on the image</source>
            <translation>在图像上运行 MiDaS ONNX 深度模型</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="418" />
            <source>MiDaS .onnx file</source>
            <translation>MiDaS .onnx 文件</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="419" />
            <location filename="../ui/generation_form.cpp" line="430" />
            <source>Browse…</source>
            <translation>浏览…</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="422" />
            <source>Choose a depth estimation model</source>
            <translation>选择深度估计模型</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="423" />
            <source>ONNX models (*.onnx);;All files (*)</source>
            <translation>ONNX 模型 (*.onnx);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="429" />
            <source>control_sd15_depth.pth</source>
            <translation>control_sd15_depth.pth</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="433" />
            <source>Choose a ControlNet depth checkpoint</source>
            <translation>选择 ControlNet 深度模型文件</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="434" />
            <source>ControlNet checkpoints (*.pth *.ckpt *.safetensors);;All files (*)</source>
            <translation>ControlNet 模型文件 (*.pth *.ckpt *.safetensors);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="454" />
            <source>How strongly the depth map holds the layout</source>
            <translation>深度图对构图的约束强度</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="457" />
            <source>Fraction of the steps after which the depth map starts to act</source>
            <translation>深度图从采样步数的这一比例处开始起作用</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="458" />
            <source>Fraction of the steps after which it stops</source>
            <translation>深度图在采样步数的这一比例处停止作用</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="465" />
            <source>Depth model</source>
            <translation>深度模型</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="466" />
            <source>ControlNet</source>
            <translation>ControlNet</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="467" />
            <source>Strength</source>
            <translation>强度</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="468" />
            <source>Steps from – to</source>
            <translation>作用步数（从–到）</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="546" />
            <source>Choose a MiDaS .onnx depth model to estimate depth</source>
            <translation>请选择 MiDaS .onnx 深度模型以估计深度</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="549" />
            <source>Estimating depth…</source>
            <translation>正在估计深度…</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="549" />
            <source>Reading depth map…</source>
            <translation>正在读取深度图…</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="557" />
            <source>Sampling</source>
            <translation>采样</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="568" />
            <source>Size</source>
            <translation>尺寸</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="580" />
            <source>Classifier-free guidance: how closely to follow the prompt</source>
            <translation>无分类器引导：生成结果遵循提示词的程度</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="583" />
            <source>CFG</source>
            <translation>引导系数</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="585" />
            <source>Steps</source>
            <translation>步数</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="591" />
            <source>random</source>
            <translation>随机</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="592" />
            <source>Random</source>
            <translation>随机</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="595" />
            <source>Draw a new seed for every generation</source>
            <translation>每次生成都抽取新的种子</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="596" />
            <source>Reuse last</source>
            <translation>沿用上次</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="598" />
            <source>Use the seed of the last image again</source>
            <translation>再次使用上一张图像的种子</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="610" />
            <source>Seed</source>
            <translation>种子</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="617" />
            <source>Sampler</source>
            <translation>采样器</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="624" />
            <source>Automatic</source>
            <translation>自动</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="625" />
            <source>float32 (exact)</source>
            <translation>float32（精确）</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="626" />
            <source>bfloat16 (fast)</source>
            <translation>bfloat16（快速）</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="629" />
            <source>Precision</source>
            <translation>精度</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="631" />
            <source>Images</source>
            <translation>张数</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="757" />
            <source>ControlNet depth is switched on but empty: drop a depth map (or a photo) on the Depth slot and choose the ControlNet checkpoint, or switch the panel off.</source>
            <translation>ControlNet 深度已开启但内容为空：请把深度图（或照片）拖到“深度”栏并选择 ControlNet 权重，或关闭此面板。</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="790" />
            <source>%1 % A · %2 % B</source>
            <translation>A %1% · B %2%</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="801" />
            <source>Use the seed of the last image again (%1)</source>
            <translation>再次使用上一张图像的种子（%1）</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="703" />
            <source>The loaded model is plain Stable Diffusion 1.5: it paints from the prompt alone. Choose a DEADiff model to use reference images.</source>
            <translation>已加载的模型是普通的 Stable Diffusion 1.5：它只根据提示词作画。要使用参考图像，请选择 DEADiff 模型。</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="439" />
            <source>off</source>
            <translation>关闭</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="440" />
            <source>every </source>
            <translation>每 </translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="441" />
            <source> steps</source>
            <translation> 步</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="443" />
            <source>Faster drafts (DeepCache): the model's deep features are computed every N-th step and reused in between. About 1.8× faster at 2 and 2.2× at 3; details change. Not with ControlNets.</source>
            <translation>更快的草图（DeepCache）：模型的深层特征每 N 步计算一次，其间重复使用。设为 2 约快 1.8 倍，设为 3 约快 2.2 倍；细节会有变化。不能与 ControlNet 同时使用。</translation>
        </message>
        <message>
            <location filename="../ui/generation_form.cpp" line="448" />
            <source>Reuse</source>
            <translation>复用</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::GenerationWorker</name>
        <message>
            <location filename="../ui/generation_worker.cpp" line="130" />
            <source>Not enough memory to load %1.</source>
            <translation>内存不足，无法加载 %1。</translation>
        </message>
        <message>
            <location filename="../ui/generation_worker.cpp" line="158" />
            <location filename="../ui/generation_worker.cpp" line="209" />
            <source>No model is loaded.</source>
            <translation>尚未加载模型。</translation>
        </message>
        <message>
            <location filename="../ui/generation_worker.cpp" line="185" />
            <source>Out of memory. Try a smaller size, fewer images, or bfloat16 precision.</source>
            <translation>内存不足。请尝试更小的尺寸、更少的张数或 bfloat16 精度。</translation>
        </message>
        <message>
            <location filename="../ui/generation_worker.cpp" line="226" />
            <source>Out of memory.</source>
            <translation>内存不足。</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::ImageDropZone</name>
        <message>
            <location filename="../ui/drop_zone.cpp" line="80" />
            <source>Browse…</source>
            <translation>浏览…</translation>
        </message>
        <message>
            <location filename="../ui/drop_zone.cpp" line="82" />
            <source>Choose an image file</source>
            <translation>选择图像文件</translation>
        </message>
        <message>
            <location filename="../ui/drop_zone.cpp" line="83" />
            <source>Clear</source>
            <translation>清除</translation>
        </message>
        <message>
            <location filename="../ui/drop_zone.cpp" line="85" />
            <source>Remove this reference</source>
            <translation>移除此参考图</translation>
        </message>
        <message>
            <location filename="../ui/drop_zone.cpp" line="125" />
            <source>Choose %1</source>
            <translation>选择%1</translation>
        </message>
        <message>
            <location filename="../ui/drop_zone.cpp" line="188" />
            <source>Cannot read %1</source>
            <translation>无法读取 %1</translation>
        </message>
        <message>
            <location filename="../ui/drop_zone.cpp" line="189" />
            <source>Missing: %1</source>
            <translation>文件缺失：%1</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::MainWindow</name>
        <message>
            <location filename="../ui/main_window.cpp" line="114" />
            <source>DEADiff Studio</source>
            <translation>DEADiff 风格工作室</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="128" />
            <source>LibTorch %1 · threads: %2 · %3 · %4</source>
            <translation>LibTorch %1 · 线程数：%2 · %3 · %4</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="132" />
            <source>bfloat16 available</source>
            <translation>支持 bfloat16</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="132" />
            <source>float32 only</source>
            <translation>仅支持 float32</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="197" />
            <source>&amp;File</source>
            <translation>文件(&amp;F)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="198" />
            <source>&amp;Open Settings from Image…</source>
            <translation>从图像打开设置(&amp;O)…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="199" />
            <source>Open Settings from Image</source>
            <translation>从图像打开设置</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="205" />
            <source>Restore every setting from a PNG saved by DEADiff Studio</source>
            <translation>从 DEADiff 风格工作室保存的 PNG 中恢复全部设置</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="206" />
            <source>&amp;Save Image…</source>
            <translation>保存图像(&amp;S)…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="212" />
            <source>Save the selected (or latest) result with its settings</source>
            <translation>连同设置一起保存选中的（或最新的）结果</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="213" />
            <source>Save &amp;All…</source>
            <translation>全部保存(&amp;A)…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="216" />
            <source>Save every result the gallery shows into one folder</source>
            <translation>把图库中显示的所有结果保存到一个文件夹</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="217" />
            <source>Export &amp;Size</source>
            <translation>导出尺寸(&amp;S)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="222" />
            <source>As Generated</source>
            <translation>原始尺寸</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="222" />
            <source>Enlarged %1×</source>
            <translation>放大 %1×</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="231" />
            <source>Sharp Pixels When Enlarging</source>
            <translation>放大时保持像素清晰</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="241" />
            <source>Save Results &amp;Automatically</source>
            <translation>自动保存结果(&amp;A)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="250" />
            <source>&amp;Output Folder…</source>
            <translation>输出文件夹(&amp;O)…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="252" />
            <source>Open Output Folder</source>
            <translation>打开输出文件夹</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="258" />
            <source>&amp;Quit</source>
            <translation>退出(&amp;Q)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="262" />
            <source>&amp;Model</source>
            <translation>模型(&amp;M)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="263" />
            <source>&amp;Choose Model…</source>
            <translation>选择模型(&amp;C)…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="267" />
            <source>&amp;Reload Model</source>
            <translation>重新加载模型(&amp;R)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="269" />
            <source>Recent &amp;Models</source>
            <translation>最近使用的模型(&amp;M)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="272" />
            <source>&amp;Installed Models</source>
            <translation>已安装的模型(&amp;I)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="276" />
            <source>&amp;Download Models…</source>
            <translation>下载模型(&amp;D)…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="280" />
            <source>Get the Real &amp;Weights…</source>
            <translation>获取完整权重(&amp;W)…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="283" />
            <location filename="../ui/main_window.cpp" line="284" />
            <source>&amp;Generate</source>
            <translation>生成(&amp;G)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="288" />
            <source>&amp;Cancel</source>
            <translation>取消(&amp;C)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="297" />
            <source>&amp;View</source>
            <translation>视图(&amp;V)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="302" />
            <source>&amp;Language</source>
            <translation>语言(&amp;L)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="306" />
            <source>System Language</source>
            <translation>跟随系统语言</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="317" />
            <source>&amp;Help</source>
            <translation>帮助(&amp;H)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="318" />
            <source>&amp;About DEADiff Studio</source>
            <translation>关于 DEADiff 风格工作室(&amp;A)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="319" />
            <source>About &amp;Qt</source>
            <translation>关于 &amp;Qt</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="329" />
            <source>Choose a model to start</source>
            <translation>请先选择一个模型</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="338" />
            <source>DEADiff Studio paints your prompt in the style of a reference image.
It needs a DEADiff checkpoint (deadiff_v1.ckpt or .safetensors).</source>
            <translation>DEADiff 风格工作室会按照参考图像的风格绘制提示词描述的画面。
它需要一个 DEADiff 模型文件（deadiff_v1.ckpt 或 .safetensors）。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="345" />
            <source>Choose Model…</source>
            <translation>选择模型…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="405" />
            <source>The image appears here while it forms.
Drop a style image on the left, write a prompt, then press Generate (Ctrl+Enter).</source>
            <translation>图像生成过程会实时显示在这里。
在左侧拖入一张风格图，写下提示词，然后点击“生成”（Ctrl+Enter）。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="409" />
            <source>Wheel: zoom · drag: move · double-click: 100 % or fit · +/−/0/1</source>
            <translation>滚轮：缩放 · 拖动：移动 · 双击：100 % 或适应窗口 · +/−/0/1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="422" />
            <source>Fit</source>
            <translation>适应</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="422" />
            <source>Fit the image into the view (0)</source>
            <translation>让图像适应视图 (0)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1451" />
            <source>One result in the gallery is not saved.</source>
            <translation>图库中有 1 张结果尚未保存。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1452" />
            <source>%1 results in the gallery are not saved.</source>
            <translation>图库中有 %1 张结果尚未保存。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1594" />
            <source>No DEADiff models in the models folder</source>
            <translation>模型文件夹中没有 DEADiff 模型</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1598" />
            <source>Open Models Folder</source>
            <translation>打开模型文件夹</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="424" />
            <source>One image pixel per screen pixel (1)</source>
            <translation>一个图像像素对应一个屏幕像素 (1)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="425" />
            <source>Zoom out (−)</source>
            <translation>缩小 (−)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="426" />
            <source>Zoom in (+)</source>
            <translation>放大 (+)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="440" />
            <source>Side by side</source>
            <translation>并排</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="441" />
            <source>Slider</source>
            <translation>滑块</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="442" />
            <source>How two results are compared: select two in the gallery, then right-click → Compare</source>
            <translation>两张结果的比较方式：在图库中选中两张，然后右键 → 比较</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="458" />
            <source>Compare:</source>
            <translation>比较：</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="462" />
            <source>Generate</source>
            <translation>生成</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="466" />
            <source>Generate an image (Ctrl+Enter)</source>
            <translation>生成图像（Ctrl+Enter）</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="471" />
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="474" />
            <source>Stop after the current step (Esc)</source>
            <translation>在当前步完成后停止（Esc）</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="481" />
            <location filename="../ui/main_window.cpp" line="723" />
            <source>Ready</source>
            <translation>就绪</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="498" />
            <source>never</source>
            <translation>从不</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="499" />
            <source>every </source>
            <translation>每 </translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="500" />
            <source> steps</source>
            <translation> 步</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="502" />
            <source>The preview is a quick colour estimate; a full decode shows the real image but costs about one step each time.</source>
            <translation>预览只是快速的颜色估计；完整解码能显示真实图像，但每次大约多花一步的时间。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="507" />
            <source>Full preview decode:</source>
            <translation>完整解码预览：</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="523" />
            <source>Steps</source>
            <translation>逐步统计</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="529" />
            <source>Gallery</source>
            <translation>图库</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="536" />
            <source>Search prompts, styles, seeds…</source>
            <translation>搜索提示词、风格、种子…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="542" />
            <location filename="../ui/main_window.cpp" line="1456" />
            <source>Save All…</source>
            <translation>全部保存…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="544" />
            <source>Save every result shown here into one folder</source>
            <translation>把这里显示的所有结果保存到一个文件夹</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="594" />
            <source>saved in %1</source>
            <translation>保存在 %1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="633" />
            <source>The model file %1 no longer exists.</source>
            <translation>模型文件 %1 已不存在。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="634" />
            <source>Still working with %1.</source>
            <translation>继续使用 %1。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="774" />
            <source>Still working with %1. Choose a DEADiff checkpoint (.ckpt or .safetensors) or a model folder from the Model menu.</source>
            <translation>继续使用 %1。请从“模型”菜单选择 DEADiff 权重（.ckpt 或 .safetensors）或模型文件夹。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="855" />
            <source>Waiting for the batch queue…</source>
            <translation>等待批量队列…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="856" />
            <source>Your image starts when the batch jobs are done; cancel them in the Batch Queue dock to start it sooner.</source>
            <translation>批量任务完成后才开始生成你的图像；在“批量队列”面板中取消它们可以更早开始。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="612" />
            <source>Choose a DEADiff Model</source>
            <translation>选择 DEADiff 模型</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="613" />
            <source>Checkpoints (*.safetensors *.ckpt *.pth *.pt);;All files (*)</source>
            <translation>模型文件 (*.safetensors *.ckpt *.pth *.pt);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="620" />
            <source>Wait for the generation to finish (or cancel it) before changing the model.</source>
            <translation>请等待本次生成完成（或取消）后再更换模型。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="647" />
            <location filename="../ui/main_window.cpp" line="782" />
            <source>Loading model… %p%</source>
            <translation>正在加载模型… %p%</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="648" />
            <location filename="../ui/main_window.cpp" line="783" />
            <source>Loading %1…</source>
            <translation>正在加载 %1…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="672" />
            <source>No recent models</source>
            <translation>没有最近使用的模型</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="677" />
            <source>No model chosen.</source>
            <translation>尚未选择模型。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="683" />
            <source>The model file %1 no longer exists. Choose another one.</source>
            <translation>模型文件 %1 已不存在，请重新选择。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="631" />
            <location filename="../ui/main_window.cpp" line="686" />
            <source>The model file %1 cannot be read (permissions?).</source>
            <translation>无法读取模型文件 %1（请检查权限）。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="688" />
            <source>Model: %1 (%2 MB)</source>
            <translation>模型：%1（%2 MB）</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="713" />
            <source>Loading model: %1 %p%</source>
            <translation>正在加载模型：%1 %p%</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="725" />
            <source>Model: %1 · computing in %2</source>
            <translation>模型：%1 · 计算精度 %2</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="744" />
            <source>Model loaded: %1</source>
            <translation>模型已加载：%1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="748" />
            <source>image size set to %1 × %1 px, the size it was trained at</source>
            <translation>图像尺寸已设为 %1 × %1 像素，即该模型的训练尺寸</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="791" />
            <location filename="../ui/main_window.cpp" line="1483" />
            <source>No model</source>
            <translation>没有模型</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="793" />
            <source>Could not load %1:
%2</source>
            <translation>无法加载 %1：
%2</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="629" />
            <location filename="../ui/main_window.cpp" line="773" />
            <location filename="../ui/main_window.cpp" line="796" />
            <source>Could not load the model</source>
            <translation>无法加载模型</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="86" />
            <source>Loading model</source>
            <translation>正在加载模型</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="96" />
            <source>PNG image with its settings (*.png)</source>
            <translation>带设置的 PNG 图像 (*.png)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="97" />
            <source>JPEG image (*.jpg *.jpeg)</source>
            <translation>JPEG 图像 (*.jpg *.jpeg)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="99" />
            <source>WebP image (*.webp)</source>
            <translation>WebP 图像 (*.webp)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="591" />
            <source>Results: %1</source>
            <translation>结果：%1 张</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="591" />
            <source>Results: %1 of %2</source>
            <translation>结果：%1 / %2 张</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="960" />
            <source>Generates as soon as the model has loaded (Esc or Cancel takes it back).</source>
            <translation>模型加载完成后立即开始生成（按 Esc 或“取消”可撤回）。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1036" />
            <source>The queued generation was taken back.</source>
            <translation>已撤回排队中的生成。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="812" />
            <location filename="../ui/main_window.cpp" line="1483" />
            <source>Choose a model first (Model menu).</source>
            <translation>请先选择模型（“模型”菜单）。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="819" />
            <location filename="../ui/main_window.cpp" line="826" />
            <source>Cannot generate yet</source>
            <translation>暂时无法生成</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="820" />
            <location filename="../ui/main_window.cpp" line="827" />
            <source>Fix that setting in the form on the left, then press Generate again.</source>
            <translation>请在左侧表单中修正该设置，然后再次点击“生成”。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="837" />
            <source>Reference image missing</source>
            <translation>参考图缺失</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="838" />
            <source>These reference images do not exist: %1</source>
            <translation>以下参考图不存在：%1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="840" />
            <source>Drop the images again or clear their slots.</source>
            <translation>请重新拖入这些图像，或清除对应的位置。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="861" />
            <location filename="../ui/main_window.cpp" line="878" />
            <source>Starting…</source>
            <translation>正在启动…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="862" />
            <source>Generating…</source>
            <translation>正在生成…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="871" />
            <source>Cancelling…</source>
            <translation>正在取消…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="880" />
            <source>Generating with seed %1…</source>
            <translation>正在以种子 %1 生成…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="898" />
            <source>Step %1 / %2</source>
            <translation>第 %1 / %2 步</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="900" />
            <source>ETA %1 · %2 s/step</source>
            <translation>预计剩余 %1 · 每步 %2 秒</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="907" />
            <source>step %1 / %2 · full decode</source>
            <translation>第 %1 / %2 步 · 完整解码</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="908" />
            <source>step %1 / %2 · preview</source>
            <translation>第 %1 / %2 步 · 预览</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="927" />
            <source>Done</source>
            <translation>完成</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="928" />
            <source>%1 in total</source>
            <translation>共用时 %1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="950" />
            <source>Cancelled</source>
            <translation>已取消</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="952" />
            <source>Generation cancelled.</source>
            <translation>生成已取消。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="961" />
            <source>Failed</source>
            <translation>失败</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="963" />
            <source>The generation failed</source>
            <translation>生成失败</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="964" />
            <source>Check the reference images and the settings, then press Generate again. If it keeps failing, reload the model (Model → Reload Model).</source>
            <translation>请检查参考图和各项设置，然后再次点击“生成”。如果仍然失败，请重新加载模型（模型 → 重新加载模型）。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="996" />
            <source>Could not save the image</source>
            <translation>无法保存图像</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="997" />
            <source>Choose another folder or free some disk space.</source>
            <translation>请选择其他文件夹，或释放一些磁盘空间。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1000" />
            <source>Saved %1</source>
            <translation>已保存 %1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1017" />
            <source>Save Image</source>
            <translation>保存图像</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="200" />
            <source>PNG images (*.png)</source>
            <translation>PNG 图像 (*.png)</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="81" />
            <source>Encoding prompt</source>
            <translation>正在编码提示词</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="82" />
            <source>Encoding references</source>
            <translation>正在编码参考图</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="83" />
            <source>Decoding image</source>
            <translation>正在解码图像</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="84" />
            <source>Preparing depth map</source>
            <translation>正在准备深度图</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="85" />
            <source>Loading ControlNet</source>
            <translation>正在加载 ControlNet</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="797" />
            <source>Choose a DEADiff checkpoint (.ckpt or .safetensors) from the Model menu. If the file was copied or downloaded, check that it is complete.</source>
            <translation>请从“模型”菜单中选择一个 DEADiff 检查点（.ckpt 或 .safetensors）。如果文件是复制或下载得到的，请检查它是否完整。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="933" />
            <source>Finished in %1 (seed %2); not saved yet: File → Save All, or right-click it in the gallery.</source>
            <translation>用时 %1 完成（种子 %2）；尚未保存：文件 → 全部保存，或在图库中右键点击它。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="937" />
            <source>Finished in %1 (seed %2), saved as %3.</source>
            <translation>用时 %1 完成（种子 %2），已保存为 %3。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="992" />
            <source>%1 cannot be read any more</source>
            <translation>%1 已无法读取</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1031" />
            <location filename="../ui/main_window.cpp" line="1048" />
            <source>Could not save the images</source>
            <translation>无法保存图像</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1032" />
            <source>Cannot create the folder %1.</source>
            <translation>无法创建文件夹 %1。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1033" />
            <source>Choose another folder.</source>
            <translation>请选择另一个文件夹。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1065" />
            <source>The gallery shows no results to save.</source>
            <translation>图库中没有可保存的结果。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1073" />
            <source>Save All Results Into</source>
            <translation>把所有结果保存到</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1105" />
            <source>Image copied to the clipboard.</source>
            <translation>图像已复制到剪贴板。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1112" />
            <source>Settings of that image restored (seed included).</source>
            <translation>已恢复该图像的设置（包括种子）。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1130" />
            <source>Could not use the image as a reference</source>
            <translation>无法将该图像用作参考图</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1132" />
            <source>Save the image somewhere and drop it onto a style slot instead.</source>
            <translation>请先将图像保存到某处，再把它拖到风格位置上。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1148" />
            <source>%1 cannot be read any more.</source>
            <translation>%1 已无法读取。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1166" />
            <source>Comparing two results: change the view under the image (side by side or slider); click a result to end.</source>
            <translation>正在比较两张结果：可在图像下方切换视图（并排或滑块）；点击任一结果结束比较。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1175" />
            <source>Delete Results</source>
            <translation>删除结果</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1203" />
            <source>Could not update the history</source>
            <translation>无法更新历史记录</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1230" />
            <source>Could not save the result</source>
            <translation>无法保存结果</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1231" />
            <source>It stays in the gallery. Choose another output folder (File → Output Folder…) or free some disk space, then use File → Save All.</source>
            <translation>它仍保留在图库中。请选择另一个输出文件夹（文件 → 输出文件夹…）或释放磁盘空间，然后使用 文件 → 全部保存。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1246" />
            <source>Output Folder (a folder per day is made inside)</source>
            <translation>输出文件夹（其中每天建一个子文件夹）</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1253" />
            <source>New results are saved in %1</source>
            <translation>新结果将保存在 %1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1261" />
            <source>Get the Real Weights</source>
            <translation>获取完整权重</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1269" />
            <source>&lt;h3&gt;The real DEADiff model&lt;/h3&gt;&lt;p&gt;The studio comes with a small demo model (10 MB): it paints 64 px pictures of 12 simple subjects in 10 procedural styles, the ones on its card, and nothing else. It is there to show how DEADiff works.&lt;/p&gt;&lt;p&gt;The real model paints any prompt at 512 px in the style of any reference image. Its weights are too large to ship with the studio:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;DEADiff&lt;/b&gt; (Qi et al., CVPR 2024): &lt;tt&gt;deadiff_v1.ckpt&lt;/tt&gt;, 7.4 GB, from Hugging Face &lt;a href="https://huggingface.co/qth/DEADiff"&gt;qth/DEADiff&lt;/a&gt;. It is licensed for research and non-commercial use only: read the licence before downloading.&lt;/li&gt;&lt;li&gt;Optional, to hold a layout: a ControlNet depth checkpoint (&lt;tt&gt;control_sd15_depth.pth&lt;/tt&gt;, &lt;a href="https://huggingface.co/lllyasviel/ControlNet"&gt;lllyasviel/ControlNet&lt;/a&gt;).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Then choose the file with Model → Choose Model…, or drop it on the window. It needs about 8 GB of memory; on a CPU one 512 px image takes a few minutes.&lt;/p&gt;</source>
            <translation>&lt;h3&gt;完整的 DEADiff 模型&lt;/h3&gt;&lt;p&gt;工作室自带一个小型演示模型（10 MB）：它只会以 64 像素画出 12 种简单主体、10 种程序生成的风格（即卡片上列出的那些），别的都不会。它用来展示 DEADiff 的工作方式。&lt;/p&gt;&lt;p&gt;完整模型能以 512 像素、按任意参考图的风格画出任何提示词。它的权重太大，无法随工作室一起分发：&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;DEADiff&lt;/b&gt;（Qi 等，CVPR 2024）：&lt;tt&gt;deadiff_v1.ckpt&lt;/tt&gt;，7.4 GB，来自 Hugging Face &lt;a href="https://huggingface.co/qth/DEADiff"&gt;qth/DEADiff&lt;/a&gt;。它只许可用于研究和非商业用途：下载前请阅读许可协议。&lt;/li&gt;&lt;li&gt;可选，用于保持构图：ControlNet 深度权重（&lt;tt&gt;control_sd15_depth.pth&lt;/tt&gt;，&lt;a href="https://huggingface.co/lllyasviel/ControlNet"&gt;lllyasviel/ControlNet&lt;/a&gt;）。&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;然后用 模型 → 选择模型… 选择该文件，或把它拖到窗口上。它需要约 8 GB 内存；在 CPU 上生成一张 512 像素图像需要几分钟。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="349" />
            <location filename="../ui/main_window.cpp" line="1288" />
            <source>Download Models…</source>
            <translation>下载模型…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1295" />
            <source>Choose Downloaded File…</source>
            <translation>选择已下载的文件…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1327" />
            <source>Settings restored from %1.</source>
            <translation>已从 %1 恢复设置。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1331" />
            <source>It was made with the model %1.</source>
            <translation>它是用模型 %1 生成的。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1317" />
            <source>Cannot restore the settings</source>
            <translation>无法恢复设置</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1318" />
            <source>The image's settings come from an incompatible version; you can still use it as a style reference.</source>
            <translation>该图像的设置来自不兼容的版本；您仍然可以将它用作风格参考图。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1344" />
            <source>Use as style reference?</source>
            <translation>用作风格参考图？</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1345" />
            <source>%1 carries no DEADiff settings. Use it as a style reference?</source>
            <translation>%1 不包含 DEADiff 设置。要将它用作风格参考图吗？</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1349" />
            <source>As Style A</source>
            <translation>作为风格 A</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1351" />
            <source>As Style B</source>
            <translation>作为风格 B</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1388" />
            <source>About DEADiff Studio</source>
            <translation>关于 DEADiff 风格工作室</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1389" />
            <source>&lt;h3&gt;DEADiff Studio %1&lt;/h3&gt;&lt;p&gt;Stylize Stable Diffusion 1.5 with a reference image without losing the prompt: DEADiff (Qi et al., CVPR 2024) as a native desktop application.&lt;/p&gt;</source>
            <translation>&lt;h3&gt;DEADiff 风格工作室 %1&lt;/h3&gt;&lt;p&gt;用一张参考图像为 Stable Diffusion 1.5 赋予风格，同时忠实于提示词：DEADiff（Qi 等，CVPR 2024）的原生桌面应用。&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1397" />
            <source>The language changes the next time DEADiff Studio starts.</source>
            <translation>界面语言将在下次启动 DEADiff 风格工作室时生效。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="293" />
            <source>&amp;Batch Export…</source>
            <translation>批量导出(&amp;B)…</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="567" />
            <source>Batch Queue</source>
            <translation>批量队列</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1049" />
            <source>Images saved before this one: %1. Choose another folder or free some disk space.</source>
            <translation>此前已保存 %1 张图像。请选择另一个文件夹或释放磁盘空间。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1059" />
            <source>Images saved in %1: %2</source>
            <translation>已保存到 %1：%2 张图像</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1176" />
            <source>Move this result to the trash and remove it from the gallery?</source>
            <translation>把这张结果移到回收站并从图库中移除？</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1178" />
            <source>Move these %1 results to the trash and remove them from the gallery?</source>
            <translation>把这 %1 张结果移到回收站并从图库中移除？</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1208" />
            <source>Result deleted.</source>
            <translation>已删除结果。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1209" />
            <source>%1 results deleted.</source>
            <translation>已删除 %1 张结果。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1450" />
            <source>Unsaved Results</source>
            <translation>未保存的结果</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1455" />
            <source>Save them before quitting? Unsaved results are lost.</source>
            <translation>退出前保存吗？未保存的结果将会丢失。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1459" />
            <source>Quit Without Saving</source>
            <translation>不保存并退出</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1509" />
            <source>The batch job cannot run</source>
            <translation>批量任务无法运行</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1527" />
            <source>batch image %1 of %2</source>
            <translation>批量图像 第 %1 / %2 张</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1535" />
            <source>The batch job stopped</source>
            <translation>批量任务已停止</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1536" />
            <source>Images finished so far stay in %1; run the job again to continue.</source>
            <translation>已完成的图像保留在 %1 中；再次运行该任务即可继续。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1541" />
            <source>Batch done: %1 new, %2 kept, in %3</source>
            <translation>批量完成：新生成 %1 张，保留 %2 张，位于 %3</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1545" />
            <source>Batch cancelled; finished images stay in %1</source>
            <translation>批量已取消；已完成的图像保留在 %1 中</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="94" />
            <source>Encoding start image</source>
            <translation>正在编码起始图像</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1132" />
            <source>Could not use the image</source>
            <translation>无法使用该图像</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="1133" />
            <source>Save the image somewhere and drop it onto the form instead.</source>
            <translation>请先将图像保存到某处，再把它拖到表单上。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="91" />
            <source>Preparing ControlNet hint</source>
            <translation>正在准备 ControlNet 提示图</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="772" />
            <source>Could not switch the base model or VAE</source>
            <translation>无法切换基础模型或 VAE</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="773" />
            <source>Choose a Stable Diffusion 1.5 checkpoint as the base model (not SDXL, SD 2.x, an inpainting or a v-prediction model) and a standalone SD VAE.</source>
            <translation>请选择 Stable Diffusion 1.5 检查点作为基础模型（不能是 SDXL、SD 2.x、局部重绘或 v-prediction 模型），并选择独立的 SD VAE 文件。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="838" />
            <source>The new base model or VAE is used from the next generation.</source>
            <translation>新的基础模型或 VAE 将从下一次生成起使用。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="860" />
            <source>base %1</source>
            <translation>基础模型 %1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="863" />
            <source>VAE %1</source>
            <translation>VAE %1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="865" />
            <source>text only (plain Stable Diffusion 1.5)</source>
            <translation>仅文本（普通 Stable Diffusion 1.5）</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="885" />
            <source>Not found, so the current base model and VAE stay: %1.</source>
            <translation>找不到以下文件，因此保留当前的基础模型和 VAE：%1。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="934" />
            <source>LoRA not found (or changed since): %1.</source>
            <translation>找不到 LoRA（或文件已改变）：%1。</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="974" />
            <source>LoRA file missing</source>
            <translation>LoRA 文件缺失</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="975" />
            <source>These LoRA files do not exist: %1</source>
            <translation>这些 LoRA 文件不存在：%1</translation>
        </message>
        <message>
            <location filename="../ui/main_window.cpp" line="977" />
            <source>Remove them from the LoRAs list, or put the files back.</source>
            <translation>请从 LoRA 列表中移除它们，或把文件放回原处。</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::StepPlot</name>
        <message>
            <location filename="../ui/step_plot.cpp" line="22" />
            <source>Seconds per step</source>
            <translation>每步耗时（秒）</translation>
        </message>
        <message>
            <location filename="../ui/step_plot.cpp" line="28" />
            <source>Change of the prediction</source>
            <translation>预测图像的变化量</translation>
        </message>
        <message>
            <location filename="../ui/step_plot.cpp" line="31" />
            <source>Step</source>
            <translation>步</translation>
        </message>
        <message>
            <location filename="../ui/step_plot.cpp" line="32" />
            <source>Seconds</source>
            <translation>秒</translation>
        </message>
        <message>
            <location filename="../ui/step_plot.cpp" line="33" />
            <source>Relative change</source>
            <translation>相对变化</translation>
        </message>
        <message>
            <location filename="../ui/step_plot.cpp" line="48" />
            <source>Save Plot as PNG…</source>
            <translation>将曲线图保存为 PNG…</translation>
        </message>
        <message>
            <location filename="../ui/step_plot.cpp" line="100" />
            <location filename="../ui/step_plot.cpp" line="107" />
            <source>Save Plot</source>
            <translation>保存曲线图</translation>
        </message>
        <message>
            <location filename="../ui/step_plot.cpp" line="101" />
            <source>PNG images (*.png)</source>
            <translation>PNG 图像 (*.png)</translation>
        </message>
        <message>
            <location filename="../ui/step_plot.cpp" line="108" />
            <source>Could not write %1. Check that the folder exists and is writable.</source>
            <translation>无法写入 %1。请检查该文件夹是否存在且可写。</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::MaskPainter</name>
        <message>
            <location filename="../ui/mask_painter.cpp" line="97" />
            <source>Drop a start image above, then paint here what to repaint</source>
            <translation>先在上方放入起始图像，再在这里涂出要重绘的区域</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::ReferenceControls</name>
        <message>
            <location filename="../ui/reference_controls.cpp" line="53" />
            <source>Reference timing and strength</source>
            <translation>参考图的作用时段与强度</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="61" />
            <source>The part of the denoising in which the references act; outside it the image follows the prompt alone. Early steps set the layout, late ones the detail.</source>
            <translation>参考图在去噪过程中起作用的区间；区间之外画面只跟随提示词。前期步骤决定构图，后期步骤决定细节。</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="71" />
            <source>Active during</source>
            <translation>作用区间</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="75" />
            <source>Style strength</source>
            <translation>风格强度</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="76" />
            <source>How strongly the style reference acts in the fine layers (texture, colour, strokes)</source>
            <translation>风格参考图在细节层（纹理、颜色、笔触）中的作用强度</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="79" />
            <source>Content strength</source>
            <translation>内容强度</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="80" />
            <source>How strongly the content reference acts in the coarse layers 4-8 (shapes, composition). With the mode “Style and content” and a content image: the style comes from the style references, the content from the content image.</source>
            <translation>内容参考图在粗略层 4-8（形状、构图）中的作用强度。使用“风格和内容”模式并提供内容图像时：风格来自风格参考图，内容来自内容图像。</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="87" />
            <source>e.g. 0:1, 4:0.5 (layer:factor, layers 0-15)</source>
            <translation>例如 0:1, 4:0.5（层:系数，层号 0-15）</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="88" />
            <source>Expert: a factor for single cross-attention layers in forward order (0-3 and 9-15 read the style, 4-8 the content), on top of the strengths above</source>
            <translation>高级：按前向顺序为单个交叉注意力层设置系数（0-3 和 9-15 读取风格，4-8 读取内容），在上面的强度之外再相乘</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="100" />
            <source>Layer factors</source>
            <translation>分层系数</translation>
        </message>
        <message>
            <location filename="../ui/reference_controls.cpp" line="104" />
            <source>%1 – %2 % of the steps</source>
            <translation>步数的 %1 – %2 %</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::ReferenceList</name>
        <message>
            <location filename="../ui/reference_list.cpp" line="31" />
            <source>Reference</source>
            <translation>参考图</translation>
        </message>
        <message>
            <location filename="../ui/reference_list.cpp" line="31" />
            <source>Weight</source>
            <translation>权重</translation>
        </message>
        <message>
            <location filename="../ui/reference_list.cpp" line="78" />
            <source>Reference list</source>
            <translation>参考图列表</translation>
        </message>
        <message>
            <location filename="../ui/reference_list.cpp" line="82" />
            <source>Mix any number of style references, each with its weight; drag to reorder. While this is on, it replaces the A and B slots.</source>
            <translation>混合任意数量的风格参考图，每张有自己的权重；拖动可调整顺序。开启时它取代 A、B 两个位置。</translation>
        </message>
        <message>
            <location filename="../ui/reference_list.cpp" line="90" />
            <source>Add…</source>
            <translation>添加…</translation>
        </message>
        <message>
            <location filename="../ui/reference_list.cpp" line="93" />
            <source>Add Style References</source>
            <translation>添加风格参考图</translation>
        </message>
        <message>
            <location filename="../ui/reference_list.cpp" line="98" />
            <source>Remove</source>
            <translation>移除</translation>
        </message>
        <message>
            <location filename="../ui/reference_list.cpp" line="107" />
            <source>From A and B</source>
            <translation>取自 A 和 B</translation>
        </message>
        <message>
            <location filename="../ui/reference_list.cpp" line="109" />
            <source>Start the list with the two style slots and their mix</source>
            <translation>用两个风格位置及其混合比例作为列表的开头</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::StartImagePanel</name>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="42" />
            <source>Start from image</source>
            <translation>从图像开始</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="50" />
            <source>Image-to-image: start from a picture (a sketch, a photo, an earlier result) instead of pure noise; paint a mask to repaint only part of it</source>
            <translation>图生图：从一张图片（草图、照片、之前的结果）而不是纯噪声开始；涂出蒙版即可只重绘其中一部分</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="54" />
            <source>Start image</source>
            <translation>起始图像</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="54" />
            <source>Drop a sketch or photo to start from</source>
            <translation>拖入作为起点的草图或照片</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="66" />
            <source>How much is painted anew: 0 gives the start image back, 1 keeps only its rough colours</source>
            <translation>重新绘制的程度：0 原样返回起始图像，1 只保留其大致颜色</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="74" />
            <source>Denoising strength</source>
            <translation>重绘强度</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="79" />
            <source>Crop and resize</source>
            <translation>裁剪后缩放</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="80" />
            <source>Just resize (stretch)</source>
            <translation>直接缩放（拉伸）</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="81" />
            <source>Resize and fill</source>
            <translation>缩放后填充</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="82" />
            <source>How a start image of another shape fits the image size</source>
            <translation>形状不同的起始图像如何适配图像尺寸</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="83" />
            <source>Fit</source>
            <translation>适配</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="86" />
            <source>Repaint only a region: paint it red below</source>
            <translation>只重绘一个区域：在下方把它涂成红色</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="96" />
            <source>Brush</source>
            <translation>画笔</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="101" />
            <source>Eraser</source>
            <translation>橡皮擦</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="113" />
            <source>Brush size (radius in pixels of the start image)</source>
            <translation>画笔大小（以起始图像像素计的半径）</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="115" />
            <source>Clear</source>
            <translation>清除</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="118" />
            <source>Invert</source>
            <translation>反转</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="121" />
            <source>Load…</source>
            <translation>载入…</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="122" />
            <source>Load a mask image: white repaints, black keeps</source>
            <translation>载入蒙版图像：白色重绘，黑色保留</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="139" />
            <source>Softens the mask's edge so the repainted region blends in</source>
            <translation>柔化蒙版边缘，使重绘区域自然融合</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="140" />
            <source>Mask blur</source>
            <translation>蒙版模糊</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="141" />
            <source>Only the masked area, at full resolution</source>
            <translation>仅蒙版区域，使用全分辨率</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="143" />
            <source>Repaint the mask's box enlarged to the full image size, then paste it back: more detail in a small region</source>
            <translation>把蒙版所在的方框放大到整幅图像的尺寸重绘后再贴回：小区域也能得到更多细节</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="150" />
            <source>Context around the masked area</source>
            <translation>蒙版区域周围保留的上下文</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="207" />
            <source>The mask could not be saved to %1: %2</source>
            <translation>无法将蒙版保存到 %1：%2</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="214" />
            <source>Repainting the red region</source>
            <translation>将重绘红色区域</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="219" />
            <source>Load a Mask</source>
            <translation>载入蒙版</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="225" />
            <source>%1 is not an image Qt can read</source>
            <translation>%1 不是 Qt 能读取的图像</translation>
        </message>
        <message>
            <location filename="../ui/start_image_panel.cpp" line="269" />
            <source>The mask %1 cannot be read</source>
            <translation>无法读取蒙版 %1</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::TokenCounter</name>
        <message>
            <location filename="../ui/token_counter.cpp" line="52" />
            <source>This model reads the first %1 tokens; the rest is left out</source>
            <translation>此模型只读取前 %1 个词元，其余部分被忽略</translation>
        </message>
        <message numerus="yes">
            <location filename="../ui/token_counter.cpp" line="54" />
            <source>%n chunk(s) of 75 tokens: the model reads all of them</source>
            <translation>
                <numerusform>%n 段，每段 75 个词元：模型会全部读取</numerusform>
            </translation>
        </message>
        <message>
            <location filename="../ui/token_counter.cpp" line="57" />
            <source>Tokens the model reads, of 75 per chunk</source>
            <translation>模型读取的词元数（每段 75 个）</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::ControlUnitEditor</name>
        <message>
            <location filename="../ui/control_units.cpp" line="55" />
            <source>None: the image is the hint</source>
            <translation>无：图像本身就是提示图</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="57" />
            <source>Canny edges</source>
            <translation>Canny 边缘</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="59" />
            <source>Scribble (strokes of a drawing)</source>
            <translation>涂鸦（画稿的笔画）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="61" />
            <source>Line art</source>
            <translation>线稿</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="63" />
            <source>Tile (blurred picture)</source>
            <translation>Tile（模糊后的图像）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="65" />
            <source>Shuffle (colours without layout)</source>
            <translation>Shuffle（保留颜色、打乱布局）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="67" />
            <source>Depth map (normalised)</source>
            <translation>深度图（归一化）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="69" />
            <source>Depth from a photo (MiDaS ONNX)</source>
            <translation>从照片估计深度（MiDaS ONNX）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="78" />
            <source>Low threshold</source>
            <translation>低阈值</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="79" />
            <source>High threshold</source>
            <translation>高阈值</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="81" />
            <source>Ink threshold</source>
            <translation>墨迹阈值</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="83" />
            <source>Line width (px)</source>
            <translation>线宽（像素）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="85" />
            <source>Down-sampling factor</source>
            <translation>缩小倍数</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="87" />
            <source>Seed</source>
            <translation>种子</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="102" />
            <source>default</source>
            <translation>默认</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="157" />
            <source>Remove</source>
            <translation>移除</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="159" />
            <source>Remove this ControlNet</source>
            <translation>移除这个 ControlNet</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="168" />
            <source>From the file name</source>
            <translation>由文件名判断</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="171" />
            <source>What the ControlNet was trained to read; by default its file name says (control_v11p_sd15_canny, control_sd15_depth, …)</source>
            <translation>ControlNet 训练时读取的提示图类型；默认由文件名判断（control_v11p_sd15_canny、control_sd15_depth 等）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="175" />
            <source>control_v11p_sd15_canny.pth</source>
            <translation>control_v11p_sd15_canny.pth</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="176" />
            <location filename="../ui/control_units.cpp" line="220" />
            <source>Browse…</source>
            <translation>浏览…</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="179" />
            <source>Choose a ControlNet checkpoint</source>
            <translation>选择 ControlNet 模型文件</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="180" />
            <source>ControlNet checkpoints (*.pth *.ckpt *.safetensors);;All files (*)</source>
            <translation>ControlNet 模型文件 (*.pth *.ckpt *.safetensors);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="185" />
            <source>Hint</source>
            <translation>提示图</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="185" />
            <source>Drop a picture or a ready hint</source>
            <translation>拖入一张图片或现成的提示图</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="193" />
            <source>Hint preview</source>
            <translation>提示图预览</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="194" />
            <source>The hint as the ControlNet sees it, at the image size</source>
            <translation>ControlNet 实际看到的提示图（按生成尺寸）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="204" />
            <source>The kind's default</source>
            <translation>该类型的默认方式</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="207" />
            <source>How the hint is made from the dropped picture</source>
            <translation>如何从拖入的图片生成提示图</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="219" />
            <source>MiDaS .onnx file</source>
            <translation>MiDaS .onnx 文件</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="223" />
            <source>Choose a depth estimation model</source>
            <translation>选择深度估计模型</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="224" />
            <source>ONNX models (*.onnx);;All files (*)</source>
            <translation>ONNX 模型 (*.onnx);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="235" />
            <source>How strongly the hint holds the layout</source>
            <translation>提示图对构图的约束强度</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="238" />
            <source>Fraction of the steps after which the ControlNet starts to act</source>
            <translation>ControlNet 在采样步数的这一比例处开始作用</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="239" />
            <source>Fraction of the steps after which it stops</source>
            <translation>在采样步数的这一比例处停止作用</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="244" />
            <source>Save hint…</source>
            <translation>保存提示图…</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="246" />
            <source>Write the hint shown in the preview to a PNG</source>
            <translation>将预览中的提示图保存为 PNG</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="248" />
            <location filename="../ui/control_units.cpp" line="252" />
            <source>Save the hint</source>
            <translation>保存提示图</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="249" />
            <source>PNG images (*.png)</source>
            <translation>PNG 图像 (*.png)</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="259" />
            <source>Kind</source>
            <translation>类型</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="260" />
            <source>ControlNet</source>
            <translation>ControlNet</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="265" />
            <source>Preprocessor</source>
            <translation>预处理</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="267" />
            <source>Depth model</source>
            <translation>深度模型</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="268" />
            <source>Strength</source>
            <translation>强度</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="269" />
            <source>Steps from – to</source>
            <translation>作用步数（从–到）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="374" />
            <source>There is no hint to save yet.</source>
            <translation>还没有可保存的提示图。</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="405" />
            <source>Default: %1</source>
            <translation>默认：%1</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="412" />
            <source>No preprocessor here makes this kind of hint: choose one, or drop a ready hint and choose “None”.</source>
            <translation>本程序没有能生成这类提示图的预处理：请选择一种预处理，或拖入现成的提示图并选择“无”。</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="438" />
            <source>Choose a MiDaS .onnx depth model to estimate depth</source>
            <translation>请选择 MiDaS .onnx 深度模型以估计深度</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="442" />
            <source>Making the hint…</source>
            <translation>正在生成提示图…</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::ControlUnitsPanel</name>
        <message>
            <location filename="../ui/control_units.cpp" line="448" />
            <source>ControlNet (layout)</source>
            <translation>ControlNet（构图）</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="452" />
            <source>Hold the layout of hints (edges, depth, scribbles, …) while the style comes from the references; several ControlNets act together</source>
            <translation>用提示图（边缘、深度、涂鸦等）固定构图，风格仍来自参考图；多个 ControlNet 可同时作用</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="457" />
            <source>Add ControlNet</source>
            <translation>添加 ControlNet</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="490" />
            <source>ControlNet %1 is empty: drop a picture on its Hint slot and choose its ControlNet file, remove it, or switch the panel off.</source>
            <translation>ControlNet %1 是空的：请在它的“提示图”位置拖入一张图片并选择它的 ControlNet 文件，或移除它，或关闭此面板。</translation>
        </message>
        <message>
            <location filename="../ui/control_units.cpp" line="505" />
            <source>ControlNet %1</source>
            <translation>ControlNet %1</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::ModelPartsMenus</name>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="67" />
            <source>&amp;Base Model</source>
            <translation>基础模型(&amp;B)</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="69" />
            <source>The Stable Diffusion 1.5 model under the DEADiff parts: it paints, DEADiff brings the reference's style</source>
            <translation>DEADiff 部件之下的 Stable Diffusion 1.5 模型：由它作画，DEADiff 带来参考图像的风格</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="73" />
            <source>&amp;VAE</source>
            <translation>VAE(&amp;V)</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="91" />
            <source>The DEADiff Checkpoint's Own</source>
            <translation>DEADiff 检查点自带的</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="94" />
            <source>Choose Base Model…</source>
            <translation>选择基础模型…</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="96" />
            <source>Use the EMA Weights</source>
            <translation>使用 EMA 权重</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="100" />
            <source>Checkpoints saved during training may hold a second, averaged copy of the UNet (model_ema.*)</source>
            <translation>训练时保存的检查点可能包含 UNet 的第二份滑动平均副本（model_ema.*）</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="106" />
            <source>The Base Model's Own</source>
            <translation>基础模型自带的</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="108" />
            <source>Choose VAE…</source>
            <translation>选择 VAE…</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="115" />
            <source>Choose a Stable Diffusion 1.5 Base Model</source>
            <translation>选择 Stable Diffusion 1.5 基础模型</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="116" />
            <source>Checkpoints (*.safetensors *.ckpt);;Model folders (model.json);;All files (*)</source>
            <translation>检查点 (*.safetensors *.ckpt);;模型文件夹 (model.json);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="124" />
            <source>Choose a VAE</source>
            <translation>选择 VAE</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="125" />
            <source>VAE files (*.safetensors *.ckpt *.pt);;All files (*)</source>
            <translation>VAE 文件 (*.safetensors *.ckpt *.pt);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../ui/model_parts_menus.cpp" line="94" />
            <source>%1 (made for this model)</source>
            <translation>%1（为此模型制作）</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::LoraListPanel</name>
        <message>
            <location filename="../ui/lora_list.cpp" line="138" />
            <source>LoRAs</source>
            <translation>LoRA</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="140" />
            <source>LoRA files change the model's look or teach it a subject; they are merged into the model when the next image starts. A prompt can also name one as &lt;lora:name:weight&gt;.</source>
            <translation>LoRA 文件改变模型的画风或教它一个主题；下一张图像开始时合并进模型。提示词里也可以写 &lt;lora:名称:权重&gt; 来使用。</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="144" />
            <source>No LoRA: the model as it is.</source>
            <translation>没有 LoRA：使用模型本身。</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="150" />
            <source>Add LoRA</source>
            <translation>添加 LoRA</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="181" />
            <source>(no LoRA in the models folder's lora/)</source>
            <translation>（模型文件夹的 lora/ 中没有 LoRA）</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="185" />
            <source>Choose a file…</source>
            <translation>选择文件…</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="197" />
            <source>Choose a LoRA file</source>
            <translation>选择 LoRA 文件</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="198" />
            <source>LoRA files (*.safetensors *.ckpt *.pt *.pth *.bin);;All files (*)</source>
            <translation>LoRA 文件 (*.safetensors *.ckpt *.pt *.pth *.bin);;所有文件 (*)</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="252" />
            <source>Merged into the model when the next image starts.</source>
            <translation>下一张图像开始时合并进模型。</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="261" />
            <source>Merged at %1; the new weight applies from the next image.</source>
            <translation>已按 %1 合并；新权重从下一张图像起生效。</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="197" />
            <source>%1 (made for this model)</source>
            <translation>%1（为此模型制作）</translation>
        </message>
    </context>
    <context>
        <name>deadiff::ui::LoraRow</name>
        <message>
            <location filename="../ui/lora_list.cpp" line="62" />
            <source>How strongly this LoRA changes the model (1: as trained, 0: not at all, negative: the opposite)</source>
            <translation>此 LoRA 改变模型的强度（1：按训练效果，0：不改变，负数：反向）</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="70" />
            <source>Remove</source>
            <translation>移除</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="72" />
            <source>Take this LoRA out of the model</source>
            <translation>从模型中去掉此 LoRA</translation>
        </message>
        <message>
            <location filename="../ui/lora_list.cpp" line="123" />
            <source>File not found: %1</source>
            <translation>找不到文件：%1</translation>
        </message>
    </context>
</TS>
