<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>QObject</name>
    <message>
        <location filename="../ui/drop_zone.cpp" line="49"/>
        <source>Images (%1);;All files (*)</source>
        <translation>图像 (%1);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="84"/>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="85"/>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <location filename="../ui/result_history.cpp" line="116"/>
        <source>cannot create the output folder %1</source>
        <translation>无法创建输出文件夹 %1</translation>
    </message>
    <message>
        <location filename="../ui/result_history.cpp" line="137"/>
        <source>cannot write the history index %1: %2</source>
        <translation>无法写入历史索引 %1：%2</translation>
    </message>
    <message>
        <location filename="../ui/result_history.cpp" line="148"/>
        <location filename="../ui/result_history.cpp" line="153"/>
        <source>cannot rewrite the history index %1: %2</source>
        <translation>无法重写历史索引 %1：%2</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::BatchDialog</name>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="33"/>
        <source>Batch Export</source>
        <translation>批量导出</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="38"/>
        <source>One prompt per line</source>
        <translation>每行一个提示词</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="44"/>
        <source>Add References…</source>
        <translation>添加参考图…</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="45"/>
        <source>Each chosen image becomes its own style set</source>
        <translation>每张选中的图像各自成为一组风格</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="46"/>
        <source>Add a Mix…</source>
        <translation>添加混合…</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="47"/>
        <source>The chosen images become one set, mixed with equal weights (or the mix values for two)</source>
        <translation>选中的图像组成一组，按相同权重混合（两张时按混合值）</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="49"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="51"/>
        <source>Choose Style References</source>
        <translation>选择风格参考图</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="148"/>
        <source>Seeds:</source>
        <translation>种子：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="98"/>
        <source>e.g. 1, 2, 3 (empty: one random seed for all)</source>
        <translation>例如 1, 2, 3（留空：所有图像共用一个随机种子）</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="92"/>
        <source>e.g. 30, 50, 70 (% of style B, for sets of two references)</source>
        <translation>例如 30, 50, 70（风格 B 所占百分比，用于两张参考图的组）</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="93"/>
        <source>30 means %1, as on the form&apos;s Mix slider</source>
        <translation>30 表示 %1，与表单上的混合滑块一致</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="95"/>
        <source>List:</source>
        <translation>列表：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="99"/>
        <source>Number of seeds:</source>
        <translation>种子数量：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="104"/>
        <source>Seeds follow the form&apos;s seed: s, s+1, …</source>
        <translation>种子从表单中的种子依次递增：s, s+1, …</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="115"/>
        <source>e.g. 0.6, 0.8, 1.0 (empty: %1)</source>
        <translation>例如 0.6, 0.8, 1.0（留空：%1）</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="123"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="126"/>
        <source>Output Folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="136"/>
        <source>Fields: {index} {seed} {style} {prompt} {mix} {image_weight} {steps} {cfg} {width} {height} {sampler} {batch_index}; {prompt:20} keeps 20 characters</source>
        <translation>可用字段：{index} {seed} {style} {prompt} {mix} {image_weight} {steps} {cfg} {width} {height} {sampler} {batch_index}；{prompt:20} 表示保留前 20 个字符</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="145"/>
        <source>Prompts:</source>
        <translation>提示词：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="146"/>
        <source>Style sets:</source>
        <translation>风格组：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="147"/>
        <source>Mix (% of B):</source>
        <translation>混合（B 的 %）：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="149"/>
        <source>Image weights:</source>
        <translation>图像权重：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="150"/>
        <source>Output folder:</source>
        <translation>输出文件夹：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="151"/>
        <source>File names:</source>
        <translation>文件名：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="154"/>
        <source>Add to Queue</source>
        <translation>加入队列</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="208"/>
        <source>%1: &apos;%2&apos; is not a number.</source>
        <translation>%1：“%2”不是数字。</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="226"/>
        <source>Prompts: write at least one prompt.</source>
        <translation>提示词：请至少填写一个提示词。</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="236"/>
        <source>Mix values</source>
        <translation>混合值</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="237"/>
        <source>Image weights</source>
        <translation>图像权重</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="243"/>
        <source>Mix values: %1 is not a share of style B between 0 and 100 %.</source>
        <translation>混合值：%1 不是 0 到 100 % 之间的风格 B 占比。</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="255"/>
        <source>Seeds: &apos;%1&apos; is not a whole number ≥ 0.</source>
        <translation>种子：“%1”不是大于等于 0 的整数。</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="287"/>
        <source>Output folder: choose where the images go.</source>
        <translation>输出文件夹：请选择图像的保存位置。</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/batch_dialog.cpp" line="290"/>
        <source>%n image(s); images already in the folder with the same settings are kept.</source>
        <translation>
            <numerusform>共 %n 张图像；文件夹中已有的相同设置的图像将被保留。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>deadiff::ui::BatchQueuePanel</name>
    <message>
        <location filename="../ui/batch_queue.cpp" line="36"/>
        <source>Image: %p%</source>
        <translation>当前图像：%p%</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="39"/>
        <source>Job: %v / %m</source>
        <translation>任务：%v / %m</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="43"/>
        <location filename="../ui/batch_queue.cpp" line="147"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="45"/>
        <source>Cancel Job</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="76"/>
        <source>Seconds per image</source>
        <translation>每张图像耗时（秒）</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="79"/>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="80"/>
        <source>Seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="127"/>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="129"/>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="131"/>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="133"/>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="135"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="137"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/batch_queue.cpp" line="139"/>
        <source>%n image(s) → %1 — %2</source>
        <translation>
            <numerusform>%n 张图像 → %1 — %2</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="147"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="179"/>
        <source>Image %1 of %2</source>
        <translation>第 %1 / %2 张</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="181"/>
        <source> · %1 left</source>
        <translation> · 剩余 %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/batch_queue.cpp" line="183"/>
        <source> · %n kept</source>
        <translation>
            <numerusform> · 保留 %n 张</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="204"/>
        <source>%1 new, %2 kept</source>
        <translation>新生成 %1 张，保留 %2 张</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="211"/>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::EngineMessages</name>
    <message>
        <location filename="../ui/engine_messages.cpp" line="26"/>
        <source>Style A</source>
        <translation>风格 A</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="27"/>
        <source>Style B</source>
        <translation>风格 B</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="28"/>
        <source>Style reference %1</source>
        <translation>风格参考图 %1</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="29"/>
        <source>Weight of %1</source>
        <translation>%1 的权重</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="36"/>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="37"/>
        <source>Negative prompt</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="38"/>
        <source>Style references</source>
        <translation>风格参考图</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="39"/>
        <source>Mix</source>
        <translation>混合</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="40"/>
        <source>Content reference</source>
        <translation>内容参考图</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="41"/>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="42"/>
        <source>Image weight</source>
        <translation>图像权重</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="43"/>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="44"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="45"/>
        <source>CFG</source>
        <translation>引导系数</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="46"/>
        <source>Sampler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="47"/>
        <source>Width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="48"/>
        <source>Height</source>
        <translation>高度</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="49"/>
        <source>Images</source>
        <translation>张数</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="50"/>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="51"/>
        <source>Depth map</source>
        <translation>深度图</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="52"/>
        <source>Photo to estimate depth from</source>
        <translation>用于估计深度的照片</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="53"/>
        <source>Depth model</source>
        <translation>深度模型</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="54"/>
        <source>ControlNet checkpoint</source>
        <translation>ControlNet 权重文件</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="55"/>
        <source>ControlNet strength</source>
        <translation>ControlNet 强度</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="56"/>
        <location filename="../ui/engine_messages.cpp" line="57"/>
        <source>ControlNet steps from – to</source>
        <translation>ControlNet 作用步数（从 – 到）</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="73"/>
        <source>Write a prompt first: the words that say what the picture shows.</source>
        <translation>请先写提示词：用文字说明画面里有什么。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="74"/>
        <source>%1 is required.</source>
        <translation>必须填写%1。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="77"/>
        <source>%1 must be a multiple of 64 between %2 and %3 px (it is %4).</source>
        <translation>%1必须是 %2 到 %3 像素之间 64 的倍数（当前为 %4）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="80"/>
        <source>%1 must be between %2 and %3 (it is %4).</source>
        <translation>%1必须在 %2 到 %3 之间（当前为 %4）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="83"/>
        <source>%1 must lie between %2 and %3 (it is %4).</source>
        <translation>%1必须在 %2 到 %3 之间（当前为 %4）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="86"/>
        <source>%1 must be zero or more (it is %2).</source>
        <translation>%1不能小于零（当前为 %2）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="88"/>
        <source>The style weights must not all be zero.</source>
        <translation>风格权重不能全部为零。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="90"/>
        <source>This mode takes its style from a reference: drop an image on Style A, or set the mode to “None (prompt only)”.</source>
        <translation>此模式从参考图获取风格：请把图像拖到“风格 A”上，或把模式设为“无（仅提示词）”。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="93"/>
        <source>The mode “Content” needs a content reference (or a style reference).</source>
        <translation>“内容”模式需要一张内容参考图（或风格参考图）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="95"/>
        <source>%1 has no file.</source>
        <translation>%1没有文件。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="97"/>
        <source>ControlNet depth is on with a depth map but no ControlNet checkpoint: choose the ControlNet depth checkpoint (.pth or .safetensors), or switch the panel off.</source>
        <translation>ControlNet 深度已开启并有深度图，但没有 ControlNet 权重文件：请选择 ControlNet 深度权重（.pth 或 .safetensors），或关闭此面板。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="101"/>
        <source>ControlNet depth is on without a depth map: drop a depth map (or a photo to estimate one from) on the Depth slot, or switch the panel off.</source>
        <translation>ControlNet 深度已开启但没有深度图：请把深度图（或用于估计深度的照片）拖到“深度”栏，或关闭此面板。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="104"/>
        <source>Estimating depth from a photo needs a depth model: choose a MiDaS .onnx file.</source>
        <translation>从照片估计深度需要深度模型：请选择 MiDaS .onnx 文件。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="106"/>
        <source>ControlNet steps: “from” must not be after “to”, both between 0 and 1.</source>
        <translation>ControlNet 步数：“从”不能晚于“到”，两者都在 0 到 1 之间。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="108"/>
        <source>Give either a depth map or a photo to estimate depth from, not both.</source>
        <translation>请只给出深度图或用于估计深度的照片，不要两者都给。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="110"/>
        <source>%1: the value is not valid (%2).</source>
        <translation>%1：值无效（%2）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="118"/>
        <source>%1 is not an image in a format DEADiff Studio reads (PNG, JPEG, WebP, BMP, TIFF, PPM/PGM).</source>
        <translation>%1 不是 DEADiff Studio 能读取的图像格式（PNG、JPEG、WebP、BMP、TIFF、PPM/PGM）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="122"/>
        <source>%1 is damaged: its image data is truncated or corrupt.</source>
        <translation>%1 已损坏：图像数据不完整或有错。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="124"/>
        <source>%1 does not exist (moved or deleted?).</source>
        <translation>%1 不存在（已移动或删除？）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="126"/>
        <source>%1 is a folder, not an image file.</source>
        <translation>%1 是文件夹，不是图像文件。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="128"/>
        <source>%1 is empty (0 bytes).</source>
        <translation>%1 是空文件（0 字节）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="130"/>
        <source>%1 is a GIF, which DEADiff Studio does not read: convert it to PNG first.</source>
        <translation>%1 是 GIF，DEADiff Studio 无法读取：请先转换为 PNG。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="135"/>
        <source>%1 is %2 pixels; the largest side accepted is %3 pixels. Scale it down first.</source>
        <translation>%1 为 %2 像素；最长边最多 %3 像素。请先缩小。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="138"/>
        <source>%1 has no pixels (zero size).</source>
        <translation>%1 没有像素（尺寸为零）。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="147"/>
        <source>%1 is a ControlNet checkpoint, not a DEADiff model: choose it in the ControlNet depth panel, and a DEADiff checkpoint as the model.</source>
        <translation>%1 是 ControlNet 权重，不是 DEADiff 模型：请在 ControlNet 深度面板中选择它，并选择 DEADiff 权重作为模型。</translation>
    </message>
    <message>
        <location filename="../ui/engine_messages.cpp" line="153"/>
        <source>%1 is a plain Stable Diffusion checkpoint without the DEADiff parts: choose deadiff_v1.ckpt.</source>
        <translation>%1 是不含 DEADiff 部分的普通 Stable Diffusion 权重：请选择 deadiff_v1.ckpt。</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::Gallery</name>
    <message>
        <location filename="../ui/gallery.cpp" line="95"/>
        <source>seed %1</source>
        <translation>种子 %1</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="97"/>
        <source>%1 % B</source>
        <translation>B %1%</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="99"/>
        <source>no reference</source>
        <translation>无参考图</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="109"/>
        <source>Styles: %1</source>
        <translation>风格：%1</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="111"/>
        <source>Mix: %1</source>
        <translation>混合：%1</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="112"/>
        <source>Seed %1 · %2 × %3 px · %4 steps</source>
        <translation>种子 %1 · %2 × %3 像素 · %4 步</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="117"/>
        <source>Not saved yet</source>
        <translation>尚未保存</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="232"/>
        <source>Save As…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="233"/>
        <source>Copy Image</source>
        <translation>复制图像</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="234"/>
        <source>Reuse Settings</source>
        <translation>重用这些设置</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="237"/>
        <source>Use as Style Reference A</source>
        <translation>用作风格参考 A</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="239"/>
        <source>Use as Style Reference B</source>
        <translation>用作风格参考 B</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="242"/>
        <source>Compare the Two Selected</source>
        <translation>比较选中的两张</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="247"/>
        <source>Compare (select two results)</source>
        <translation>比较（请选中两张结果）</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="248"/>
        <source>Show in Folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/gallery.cpp" line="252"/>
        <source>Delete %n Results…</source>
        <translation>
            <numerusform>删除 %n 张结果…</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="253"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::GenerationForm</name>
    <message>
        <location filename="../ui/generation_form.cpp" line="251"/>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="222"/>
        <location filename="../ui/generation_form.cpp" line="255"/>
        <source>Describe the picture, e.g. “a lighthouse on a cliff at dusk”</source>
        <translation>描述画面，例如“黄昏时悬崖上的灯塔”</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="178"/>
        <source>Click a subject to use it as the prompt</source>
        <translation>点击一个主体，把它用作提示词</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="183"/>
        <source>Get the Real Weights…</source>
        <translation>获取完整权重…</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="185"/>
        <source>Where the full DEADiff model comes from: it paints any prompt at 512 px</source>
        <translation>完整 DEADiff 模型从哪里获取：它能以 512 像素画出任何提示词</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="211"/>
        <source>What %1 can paint</source>
        <translation>%1 会画什么</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="213"/>
        <source>&lt;b&gt;Subjects&lt;/b&gt; (the prompt): %1&lt;br&gt;&lt;b&gt;Styles&lt;/b&gt; (from a reference image): %2</source>
        <translation>&lt;b&gt;主体&lt;/b&gt;（写在提示词里）：%1&lt;br&gt;&lt;b&gt;风格&lt;/b&gt;（来自参考图）：%2</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="217"/>
        <source>Name a subject this model knows, e.g. “%1” or “%2”</source>
        <translation>写一个此模型认识的主体，例如“%1”或“%2”</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="245"/>
        <source>This model does not know %1: it paints only the subjects on its card, so these words are noise to it.</source>
        <translation>此模型不认识 %1：它只会画卡片上列出的主体，这些词对它来说只是噪声。</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="270"/>
        <source>Negative prompt</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="273"/>
        <source>What the picture should avoid</source>
        <translation>画面中应避免的内容</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="286"/>
        <source>Style references</source>
        <translation>风格参考图</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="291"/>
        <source>Style A</source>
        <translation>风格 A</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="291"/>
        <source>Drop a style image here</source>
        <translation>将风格图像拖放到这里</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="293"/>
        <source>Style B</source>
        <translation>风格 B</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="293"/>
        <source>Drop a second style to mix</source>
        <translation>拖入第二张风格图以进行混合</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="312"/>
        <source>How much of style B goes into the mix (needs two references)</source>
        <translation>混合中风格 B 所占的比例（需要两张参考图）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="330"/>
        <source>Strength of the reference images against the prompt</source>
        <translation>参考图相对于提示词的影响强度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="334"/>
        <source>Style</source>
        <translation>风格</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="335"/>
        <location filename="../ui/generation_form.cpp" line="361"/>
        <source>Content</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="336"/>
        <source>Style and content</source>
        <translation>风格与内容</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="337"/>
        <source>None (prompt only)</source>
        <translation>无（仅使用提示词）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="338"/>
        <source>The style references set the look; the prompt sets the subject</source>
        <translation>风格参考图决定画面风格，提示词决定主体</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="340"/>
        <source>The content reference (or style A) sets the subject</source>
        <translation>由内容参考图（或风格 A）决定主体</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="342"/>
        <source>Style from the style references, subject from the content reference</source>
        <translation>风格取自风格参考图，主体取自内容参考图</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="344"/>
        <source>Plain Stable Diffusion 1.5: references are ignored</source>
        <translation>纯 Stable Diffusion 1.5：忽略所有参考图</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="349"/>
        <source>Mix</source>
        <translation>混合</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="350"/>
        <source>Image weight</source>
        <translation>图像权重</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="351"/>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="357"/>
        <source>Content reference (optional)</source>
        <translation>内容参考图（可选）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="361"/>
        <source>Drop an image whose subject to keep</source>
        <translation>拖入一张要保留其主体的图像</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="372"/>
        <source>ControlNet depth (layout)</source>
        <translation>ControlNet 深度（构图）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="376"/>
        <source>Hold the layout of a depth map while the style comes from the references (needs a ControlNet depth checkpoint)</source>
        <translation>保持深度图的构图，风格仍来自参考图（需要 ControlNet 深度模型文件）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="381"/>
        <source>Depth</source>
        <translation>深度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="381"/>
        <source>Drop a depth map or a photo</source>
        <translation>拖入深度图或照片</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="390"/>
        <source>Depth map preview</source>
        <translation>深度图预览</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="391"/>
        <source>The depth map as the ControlNet sees it: normalised, near is bright; resized to the image size when generating</source>
        <translation>ControlNet 所见的深度图：已归一化，近处为亮；生成时缩放到图像尺寸</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="402"/>
        <source>Image is a depth map</source>
        <translation>图像是深度图</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="404"/>
        <source>Grayscale or RGB, 8 or 16 bit, near = bright</source>
        <translation>灰度或 RGB，8 位或 16 位，近处为亮</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="406"/>
        <source>Estimate depth from the photo</source>
        <translation>从照片估计深度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="408"/>
        <source>Runs a MiDaS ONNX depth model on the image</source>
        <translation>在图像上运行 MiDaS ONNX 深度模型</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="422"/>
        <source>MiDaS .onnx file</source>
        <translation>MiDaS .onnx 文件</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="423"/>
        <location filename="../ui/generation_form.cpp" line="434"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="426"/>
        <source>Choose a depth estimation model</source>
        <translation>选择深度估计模型</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="427"/>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation>ONNX 模型 (*.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="433"/>
        <source>control_sd15_depth.pth</source>
        <translation>control_sd15_depth.pth</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="437"/>
        <source>Choose a ControlNet depth checkpoint</source>
        <translation>选择 ControlNet 深度模型文件</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="438"/>
        <source>ControlNet checkpoints (*.pth *.ckpt *.safetensors);;All files (*)</source>
        <translation>ControlNet 模型文件 (*.pth *.ckpt *.safetensors);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="458"/>
        <source>How strongly the depth map holds the layout</source>
        <translation>深度图对构图的约束强度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="461"/>
        <source>Fraction of the steps after which the depth map starts to act</source>
        <translation>深度图从采样步数的这一比例处开始起作用</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="462"/>
        <source>Fraction of the steps after which it stops</source>
        <translation>深度图在采样步数的这一比例处停止作用</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="469"/>
        <source>Depth model</source>
        <translation>深度模型</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="470"/>
        <source>ControlNet</source>
        <translation>ControlNet</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="471"/>
        <source>Strength</source>
        <translation>强度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="472"/>
        <source>Steps from – to</source>
        <translation>作用步数（从–到）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="550"/>
        <source>Choose a MiDaS .onnx depth model to estimate depth</source>
        <translation>请选择 MiDaS .onnx 深度模型以估计深度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="553"/>
        <source>Estimating depth…</source>
        <translation>正在估计深度…</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="553"/>
        <source>Reading depth map…</source>
        <translation>正在读取深度图…</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="561"/>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="572"/>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="584"/>
        <source>Classifier-free guidance: how closely to follow the prompt</source>
        <translation>无分类器引导：生成结果遵循提示词的程度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="587"/>
        <source>CFG</source>
        <translation>引导系数</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="589"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="595"/>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="596"/>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="599"/>
        <source>Draw a new seed for every generation</source>
        <translation>每次生成都抽取新的种子</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="600"/>
        <source>Reuse last</source>
        <translation>沿用上次</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="602"/>
        <source>Use the seed of the last image again</source>
        <translation>再次使用上一张图像的种子</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="614"/>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="621"/>
        <source>Sampler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="628"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="629"/>
        <source>float32 (exact)</source>
        <translation>float32（精确）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="630"/>
        <source>bfloat16 (fast)</source>
        <translation>bfloat16（快速）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="633"/>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="635"/>
        <source>Images</source>
        <translation>张数</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="703"/>
        <source>The loaded model is plain Stable Diffusion 1.5: it paints from the prompt alone. Choose a DEADiff model to use reference images.</source>
        <translation>已加载的模型是普通的 Stable Diffusion 1.5：它只根据提示词作画。要使用参考图像，请选择 DEADiff 模型。</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="780"/>
        <source>ControlNet depth is switched on but empty: drop a depth map (or a photo) on the Depth slot and choose the ControlNet checkpoint, or switch the panel off.</source>
        <translation>ControlNet 深度已开启但内容为空：请把深度图（或照片）拖到“深度”栏并选择 ControlNet 权重，或关闭此面板。</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="813"/>
        <source>%1 % A · %2 % B</source>
        <translation>A %1% · B %2%</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="824"/>
        <source>Use the seed of the last image again (%1)</source>
        <translation>再次使用上一张图像的种子（%1）</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::GenerationWorker</name>
    <message>
        <location filename="../ui/generation_worker.cpp" line="134"/>
        <source>Not enough memory to load %1.</source>
        <translation>内存不足，无法加载 %1。</translation>
    </message>
    <message>
        <location filename="../ui/generation_worker.cpp" line="167"/>
        <location filename="../ui/generation_worker.cpp" line="218"/>
        <source>No model is loaded.</source>
        <translation>尚未加载模型。</translation>
    </message>
    <message>
        <location filename="../ui/generation_worker.cpp" line="194"/>
        <source>Out of memory. Try a smaller size, fewer images, or bfloat16 precision.</source>
        <translation>内存不足。请尝试更小的尺寸、更少的张数或 bfloat16 精度。</translation>
    </message>
    <message>
        <location filename="../ui/generation_worker.cpp" line="235"/>
        <source>Out of memory.</source>
        <translation>内存不足。</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::ImageDropZone</name>
    <message>
        <location filename="../ui/drop_zone.cpp" line="80"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="82"/>
        <source>Choose an image file</source>
        <translation>选择图像文件</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="83"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="85"/>
        <source>Remove this reference</source>
        <translation>移除此参考图</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="125"/>
        <source>Choose %1</source>
        <translation>选择%1</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="188"/>
        <source>Cannot read %1</source>
        <translation>无法读取 %1</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="189"/>
        <source>Missing: %1</source>
        <translation>文件缺失：%1</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::MainWindow</name>
    <message>
        <location filename="../ui/main_window.cpp" line="124"/>
        <source>DEADiff Studio</source>
        <translation>DEADiff 风格工作室</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="138"/>
        <source>LibTorch %1 · threads: %2 · %3 · %4</source>
        <translation>LibTorch %1 · 线程数：%2 · %3 · %4</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="142"/>
        <source>bfloat16 available</source>
        <translation>支持 bfloat16</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="142"/>
        <source>float32 only</source>
        <translation>仅支持 float32</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="209"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="210"/>
        <source>&amp;Open Settings from Image…</source>
        <translation>从图像打开设置(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="211"/>
        <source>Open Settings from Image</source>
        <translation>从图像打开设置</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="217"/>
        <source>Restore every setting from a PNG saved by DEADiff Studio</source>
        <translation>从 DEADiff 风格工作室保存的 PNG 中恢复全部设置</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="218"/>
        <source>&amp;Save Image…</source>
        <translation>保存图像(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="224"/>
        <source>Save the selected (or latest) result with its settings</source>
        <translation>连同设置一起保存选中的（或最新的）结果</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="225"/>
        <source>Save &amp;All…</source>
        <translation>全部保存(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="228"/>
        <source>Save every result the gallery shows into one folder</source>
        <translation>把图库中显示的所有结果保存到一个文件夹</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="229"/>
        <source>Export &amp;Size</source>
        <translation>导出尺寸(&amp;S)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="234"/>
        <source>As Generated</source>
        <translation>原始尺寸</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="234"/>
        <source>Enlarged %1×</source>
        <translation>放大 %1×</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="243"/>
        <source>Sharp Pixels When Enlarging</source>
        <translation>放大时保持像素清晰</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="253"/>
        <source>Save Results &amp;Automatically</source>
        <translation>自动保存结果(&amp;A)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="262"/>
        <source>&amp;Output Folder…</source>
        <translation>输出文件夹(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="264"/>
        <source>Open Output Folder</source>
        <translation>打开输出文件夹</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="270"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="274"/>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="275"/>
        <source>&amp;Choose Model…</source>
        <translation>选择模型(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="279"/>
        <source>&amp;Reload Model</source>
        <translation>重新加载模型(&amp;R)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="281"/>
        <source>Recent &amp;Models</source>
        <translation>最近使用的模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="288"/>
        <source>Get the Real &amp;Weights…</source>
        <translation>获取完整权重(&amp;W)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="291"/>
        <location filename="../ui/main_window.cpp" line="292"/>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="296"/>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="305"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="310"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="314"/>
        <source>System Language</source>
        <translation>跟随系统语言</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="325"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="326"/>
        <source>&amp;About DEADiff Studio</source>
        <translation>关于 DEADiff 风格工作室(&amp;A)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="327"/>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="337"/>
        <source>Choose a model to start</source>
        <translation>请先选择一个模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="346"/>
        <source>DEADiff Studio paints your prompt in the style of a reference image.
It needs a DEADiff checkpoint (deadiff_v1.ckpt or .safetensors).</source>
        <translation>DEADiff 风格工作室会按照参考图像的风格绘制提示词描述的画面。
它需要一个 DEADiff 模型文件（deadiff_v1.ckpt 或 .safetensors）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="353"/>
        <source>Choose Model…</source>
        <translation>选择模型…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="408"/>
        <source>The image appears here while it forms.
Drop a style image on the left, write a prompt, then press Generate (Ctrl+Enter).</source>
        <translation>图像生成过程会实时显示在这里。
在左侧拖入一张风格图，写下提示词，然后点击“生成”（Ctrl+Enter）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="412"/>
        <source>Wheel: zoom · drag: move · double-click: 100 % or fit · +/−/0/1</source>
        <translation>滚轮：缩放 · 拖动：移动 · 双击：100 % 或适应窗口 · +/−/0/1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="425"/>
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="425"/>
        <source>Fit the image into the view (0)</source>
        <translation>让图像适应视图 (0)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="772"/>
        <source>Could not switch the base model or VAE</source>
        <translation>无法切换基础模型或 VAE</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="773"/>
        <source>Choose a Stable Diffusion 1.5 checkpoint as the base model (not SDXL, SD 2.x, an inpainting or a v-prediction model) and a standalone SD VAE.</source>
        <translation>请选择 Stable Diffusion 1.5 检查点作为基础模型（不能是 SDXL、SD 2.x、局部重绘或 v-prediction 模型），并选择独立的 SD VAE 文件。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="838"/>
        <source>The new base model or VAE is used from the next generation.</source>
        <translation>新的基础模型或 VAE 将从下一次生成起使用。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="860"/>
        <source>base %1</source>
        <translation>基础模型 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="863"/>
        <source>VAE %1</source>
        <translation>VAE %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="865"/>
        <source>text only (plain Stable Diffusion 1.5)</source>
        <translation>仅文本（普通 Stable Diffusion 1.5）</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="885"/>
        <source>Not found, so the current base model and VAE stay: %1.</source>
        <translation>找不到以下文件，因此保留当前的基础模型和 VAE：%1。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1548"/>
        <source>One result in the gallery is not saved.</source>
        <translation>图库中有 1 张结果尚未保存。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1549"/>
        <source>%1 results in the gallery are not saved.</source>
        <translation>图库中有 %1 张结果尚未保存。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="427"/>
        <source>One image pixel per screen pixel (1)</source>
        <translation>一个图像像素对应一个屏幕像素 (1)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="428"/>
        <source>Zoom out (−)</source>
        <translation>缩小 (−)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="429"/>
        <source>Zoom in (+)</source>
        <translation>放大 (+)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="443"/>
        <source>Side by side</source>
        <translation>并排</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="444"/>
        <source>Slider</source>
        <translation>滑块</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="445"/>
        <source>How two results are compared: select two in the gallery, then right-click → Compare</source>
        <translation>两张结果的比较方式：在图库中选中两张，然后右键 → 比较</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="461"/>
        <source>Compare:</source>
        <translation>比较：</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="465"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="469"/>
        <source>Generate an image (Ctrl+Enter)</source>
        <translation>生成图像（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="474"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="477"/>
        <source>Stop after the current step (Esc)</source>
        <translation>在当前步完成后停止（Esc）</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="484"/>
        <location filename="../ui/main_window.cpp" line="727"/>
        <location filename="../ui/main_window.cpp" line="770"/>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="501"/>
        <source>never</source>
        <translation>从不</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="502"/>
        <source>every </source>
        <translation>每 </translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="503"/>
        <source> steps</source>
        <translation> 步</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="505"/>
        <source>The preview is a quick colour estimate; a full decode shows the real image but costs about one step each time.</source>
        <translation>预览只是快速的颜色估计；完整解码能显示真实图像，但每次大约多花一步的时间。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="510"/>
        <source>Full preview decode:</source>
        <translation>完整解码预览：</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="526"/>
        <source>Steps</source>
        <translation>逐步统计</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="532"/>
        <source>Gallery</source>
        <translation>图库</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="539"/>
        <source>Search prompts, styles, seeds…</source>
        <translation>搜索提示词、风格、种子…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="545"/>
        <location filename="../ui/main_window.cpp" line="1553"/>
        <source>Save All…</source>
        <translation>全部保存…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="547"/>
        <source>Save every result shown here into one folder</source>
        <translation>把这里显示的所有结果保存到一个文件夹</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="597"/>
        <source>saved in %1</source>
        <translation>保存在 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="636"/>
        <source>The model file %1 no longer exists.</source>
        <translation>模型文件 %1 已不存在。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="637"/>
        <source>Still working with %1.</source>
        <translation>继续使用 %1。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="793"/>
        <source>Still working with %1. Choose a DEADiff checkpoint (.ckpt or .safetensors) or a model folder from the Model menu.</source>
        <translation>继续使用 %1。请从“模型”菜单选择 DEADiff 权重（.ckpt 或 .safetensors）或模型文件夹。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="942"/>
        <source>Waiting for the batch queue…</source>
        <translation>等待批量队列…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="943"/>
        <source>Your image starts when the batch jobs are done; cancel them in the Batch Queue dock to start it sooner.</source>
        <translation>批量任务完成后才开始生成你的图像；在“批量队列”面板中取消它们可以更早开始。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="615"/>
        <source>Choose a DEADiff Model</source>
        <translation>选择 DEADiff 模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="616"/>
        <source>Checkpoints (*.safetensors *.ckpt *.pth *.pt);;All files (*)</source>
        <translation>模型文件 (*.safetensors *.ckpt *.pth *.pt);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="623"/>
        <source>Wait for the generation to finish (or cancel it) before changing the model.</source>
        <translation>请等待本次生成完成（或取消）后再更换模型。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="651"/>
        <location filename="../ui/main_window.cpp" line="801"/>
        <location filename="../ui/main_window.cpp" line="847"/>
        <source>Loading model… %p%</source>
        <translation>正在加载模型… %p%</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="652"/>
        <location filename="../ui/main_window.cpp" line="802"/>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="676"/>
        <source>No recent models</source>
        <translation>没有最近使用的模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="681"/>
        <source>No model chosen.</source>
        <translation>尚未选择模型。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="687"/>
        <source>The model file %1 no longer exists. Choose another one.</source>
        <translation>模型文件 %1 已不存在，请重新选择。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="634"/>
        <location filename="../ui/main_window.cpp" line="690"/>
        <source>The model file %1 cannot be read (permissions?).</source>
        <translation>无法读取模型文件 %1（请检查权限）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="692"/>
        <source>Model: %1 (%2 MB)</source>
        <translation>模型：%1（%2 MB）</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="717"/>
        <source>Loading model: %1 %p%</source>
        <translation>正在加载模型：%1 %p%</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="729"/>
        <source>Model: %1 · computing in %2</source>
        <translation>模型：%1 · 计算精度 %2</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="748"/>
        <source>Model loaded: %1</source>
        <translation>模型已加载：%1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="752"/>
        <source>image size set to %1 × %1 px, the size it was trained at</source>
        <translation>图像尺寸已设为 %1 × %1 像素，即该模型的训练尺寸</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="811"/>
        <location filename="../ui/main_window.cpp" line="1580"/>
        <source>No model</source>
        <translation>没有模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="813"/>
        <source>Could not load %1:
%2</source>
        <translation>无法加载 %1：
%2</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="632"/>
        <location filename="../ui/main_window.cpp" line="792"/>
        <location filename="../ui/main_window.cpp" line="816"/>
        <source>Could not load the model</source>
        <translation>无法加载模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="106"/>
        <source>PNG image with its settings (*.png)</source>
        <translation>带设置的 PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="107"/>
        <source>JPEG image (*.jpg *.jpeg)</source>
        <translation>JPEG 图像 (*.jpg *.jpeg)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="109"/>
        <source>WebP image (*.webp)</source>
        <translation>WebP 图像 (*.webp)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="594"/>
        <source>Results: %1</source>
        <translation>结果：%1 张</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="594"/>
        <source>Results: %1 of %2</source>
        <translation>结果：%1 / %2 张</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="898"/>
        <source>The model is still loading.</source>
        <translation>模型仍在加载中。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="899"/>
        <location filename="../ui/main_window.cpp" line="1580"/>
        <source>Choose a model first (Model menu).</source>
        <translation>请先选择模型（“模型”菜单）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="906"/>
        <location filename="../ui/main_window.cpp" line="913"/>
        <source>Cannot generate yet</source>
        <translation>暂时无法生成</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="907"/>
        <location filename="../ui/main_window.cpp" line="914"/>
        <source>Fix that setting in the form on the left, then press Generate again.</source>
        <translation>请在左侧表单中修正该设置，然后再次点击“生成”。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="924"/>
        <source>Reference image missing</source>
        <translation>参考图缺失</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="925"/>
        <source>These reference images do not exist: %1</source>
        <translation>以下参考图不存在：%1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="927"/>
        <source>Drop the images again or clear their slots.</source>
        <translation>请重新拖入这些图像，或清除对应的位置。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="948"/>
        <location filename="../ui/main_window.cpp" line="965"/>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="949"/>
        <source>Generating…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="958"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="967"/>
        <source>Generating with seed %1…</source>
        <translation>正在以种子 %1 生成…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="985"/>
        <source>Step %1 / %2</source>
        <translation>第 %1 / %2 步</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="987"/>
        <source>ETA %1 · %2 s/step</source>
        <translation>预计剩余 %1 · 每步 %2 秒</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="994"/>
        <source>step %1 / %2 · full decode</source>
        <translation>第 %1 / %2 步 · 完整解码</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="995"/>
        <source>step %1 / %2 · preview</source>
        <translation>第 %1 / %2 步 · 预览</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1014"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1015"/>
        <source>%1 in total</source>
        <translation>共用时 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1037"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1039"/>
        <source>Generation cancelled.</source>
        <translation>生成已取消。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1048"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1050"/>
        <source>The generation failed</source>
        <translation>生成失败</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1051"/>
        <source>Check the reference images and the settings, then press Generate again. If it keeps failing, reload the model (Model → Reload Model).</source>
        <translation>请检查参考图和各项设置，然后再次点击“生成”。如果仍然失败，请重新加载模型（模型 → 重新加载模型）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1083"/>
        <source>Could not save the image</source>
        <translation>无法保存图像</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1084"/>
        <source>Choose another folder or free some disk space.</source>
        <translation>请选择其他文件夹，或释放一些磁盘空间。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1087"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1104"/>
        <source>Save Image</source>
        <translation>保存图像</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="212"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="91"/>
        <source>Encoding prompt</source>
        <translation>正在编码提示词</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="92"/>
        <source>Encoding references</source>
        <translation>正在编码参考图</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="93"/>
        <source>Decoding image</source>
        <translation>正在解码图像</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="94"/>
        <source>Preparing depth map</source>
        <translation>正在准备深度图</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="95"/>
        <source>Loading ControlNet</source>
        <translation>正在加载 ControlNet</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="96"/>
        <source>Loading model</source>
        <translation>正在加载模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="817"/>
        <source>Choose a DEADiff checkpoint (.ckpt or .safetensors) from the Model menu. If the file was copied or downloaded, check that it is complete.</source>
        <translation>请从“模型”菜单中选择一个 DEADiff 检查点（.ckpt 或 .safetensors）。如果文件是复制或下载得到的，请检查它是否完整。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1020"/>
        <source>Finished in %1 (seed %2); not saved yet: File → Save All, or right-click it in the gallery.</source>
        <translation>用时 %1 完成（种子 %2）；尚未保存：文件 → 全部保存，或在图库中右键点击它。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1024"/>
        <source>Finished in %1 (seed %2), saved as %3.</source>
        <translation>用时 %1 完成（种子 %2），已保存为 %3。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1079"/>
        <source>%1 cannot be read any more</source>
        <translation>%1 已无法读取</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1118"/>
        <location filename="../ui/main_window.cpp" line="1135"/>
        <source>Could not save the images</source>
        <translation>无法保存图像</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1119"/>
        <source>Cannot create the folder %1.</source>
        <translation>无法创建文件夹 %1。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1120"/>
        <source>Choose another folder.</source>
        <translation>请选择另一个文件夹。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1152"/>
        <source>The gallery shows no results to save.</source>
        <translation>图库中没有可保存的结果。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1160"/>
        <source>Save All Results Into</source>
        <translation>把所有结果保存到</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1192"/>
        <source>Image copied to the clipboard.</source>
        <translation>图像已复制到剪贴板。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1199"/>
        <source>Settings of that image restored (seed included).</source>
        <translation>已恢复该图像的设置（包括种子）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1217"/>
        <source>Could not use the image as a reference</source>
        <translation>无法将该图像用作参考图</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1219"/>
        <source>Save the image somewhere and drop it onto a style slot instead.</source>
        <translation>请先将图像保存到某处，再把它拖到风格位置上。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1235"/>
        <source>%1 cannot be read any more.</source>
        <translation>%1 已无法读取。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1253"/>
        <source>Comparing two results: change the view under the image (side by side or slider); click a result to end.</source>
        <translation>正在比较两张结果：可在图像下方切换视图（并排或滑块）；点击任一结果结束比较。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1262"/>
        <source>Delete Results</source>
        <translation>删除结果</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1290"/>
        <source>Could not update the history</source>
        <translation>无法更新历史记录</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1317"/>
        <source>Could not save the result</source>
        <translation>无法保存结果</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1318"/>
        <source>It stays in the gallery. Choose another output folder (File → Output Folder…) or free some disk space, then use File → Save All.</source>
        <translation>它仍保留在图库中。请选择另一个输出文件夹（文件 → 输出文件夹…）或释放磁盘空间，然后使用 文件 → 全部保存。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1333"/>
        <source>Output Folder (a folder per day is made inside)</source>
        <translation>输出文件夹（其中每天建一个子文件夹）</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1340"/>
        <source>New results are saved in %1</source>
        <translation>新结果将保存在 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1348"/>
        <source>Get the Real Weights</source>
        <translation>获取完整权重</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1356"/>
        <source>&lt;h3&gt;The real DEADiff model&lt;/h3&gt;&lt;p&gt;The studio comes with a small demo model (10 MB): it paints 64 px pictures of 12 simple subjects in 10 procedural styles, the ones on its card, and nothing else. It is there to show how DEADiff works.&lt;/p&gt;&lt;p&gt;The real model paints any prompt at 512 px in the style of any reference image. Its weights are too large to ship with the studio:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;DEADiff&lt;/b&gt; (Qi et al., CVPR 2024): &lt;tt&gt;deadiff_v1.ckpt&lt;/tt&gt;, 7.4 GB, from Hugging Face &lt;a href=&quot;https://huggingface.co/qth/DEADiff&quot;&gt;qth/DEADiff&lt;/a&gt;. It is licensed for research and non-commercial use only: read the licence before downloading.&lt;/li&gt;&lt;li&gt;Optional, to hold a layout: a ControlNet depth checkpoint (&lt;tt&gt;control_sd15_depth.pth&lt;/tt&gt;, &lt;a href=&quot;https://huggingface.co/lllyasviel/ControlNet&quot;&gt;lllyasviel/ControlNet&lt;/a&gt;).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Then choose the file with Model → Choose Model…, or drop it on the window. It needs about 8 GB of memory; on a CPU one 512 px image takes a few minutes.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;完整的 DEADiff 模型&lt;/h3&gt;&lt;p&gt;工作室自带一个小型演示模型（10 MB）：它只会以 64 像素画出 12 种简单主体、10 种程序生成的风格（即卡片上列出的那些），别的都不会。它用来展示 DEADiff 的工作方式。&lt;/p&gt;&lt;p&gt;完整模型能以 512 像素、按任意参考图的风格画出任何提示词。它的权重太大，无法随工作室一起分发：&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;DEADiff&lt;/b&gt;（Qi 等，CVPR 2024）：&lt;tt&gt;deadiff_v1.ckpt&lt;/tt&gt;，7.4 GB，来自 Hugging Face &lt;a href=&quot;https://huggingface.co/qth/DEADiff&quot;&gt;qth/DEADiff&lt;/a&gt;。它只许可用于研究和非商业用途：下载前请阅读许可协议。&lt;/li&gt;&lt;li&gt;可选，用于保持构图：ControlNet 深度权重（&lt;tt&gt;control_sd15_depth.pth&lt;/tt&gt;，&lt;a href=&quot;https://huggingface.co/lllyasviel/ControlNet&quot;&gt;lllyasviel/ControlNet&lt;/a&gt;）。&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;然后用 模型 → 选择模型… 选择该文件，或把它拖到窗口上。它需要约 8 GB 内存；在 CPU 上生成一张 512 像素图像需要几分钟。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1375"/>
        <source>Download Models…</source>
        <translation>下载模型…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1382"/>
        <source>Choose Downloaded File…</source>
        <translation>选择已下载的文件…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1418"/>
        <source>Settings restored from %1.</source>
        <translation>已从 %1 恢复设置。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1428"/>
        <source>It was made with the model %1.</source>
        <translation>它是用模型 %1 生成的。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1408"/>
        <source>Cannot restore the settings</source>
        <translation>无法恢复设置</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1409"/>
        <source>The image&apos;s settings come from an incompatible version; you can still use it as a style reference.</source>
        <translation>该图像的设置来自不兼容的版本；您仍然可以将它用作风格参考图。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1441"/>
        <source>Use as style reference?</source>
        <translation>用作风格参考图？</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1442"/>
        <source>%1 carries no DEADiff settings. Use it as a style reference?</source>
        <translation>%1 不包含 DEADiff 设置。要将它用作风格参考图吗？</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1446"/>
        <source>As Style A</source>
        <translation>作为风格 A</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1448"/>
        <source>As Style B</source>
        <translation>作为风格 B</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1485"/>
        <source>About DEADiff Studio</source>
        <translation>关于 DEADiff 风格工作室</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1486"/>
        <source>&lt;h3&gt;DEADiff Studio %1&lt;/h3&gt;&lt;p&gt;Stylize Stable Diffusion 1.5 with a reference image without losing the prompt: DEADiff (Qi et al., CVPR 2024) as a native desktop application.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;DEADiff 风格工作室 %1&lt;/h3&gt;&lt;p&gt;用一张参考图像为 Stable Diffusion 1.5 赋予风格，同时忠实于提示词：DEADiff（Qi 等，CVPR 2024）的原生桌面应用。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1494"/>
        <source>The language changes the next time DEADiff Studio starts.</source>
        <translation>界面语言将在下次启动 DEADiff 风格工作室时生效。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="301"/>
        <source>&amp;Batch Export…</source>
        <translation>批量导出(&amp;B)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="570"/>
        <source>Batch Queue</source>
        <translation>批量队列</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1136"/>
        <source>Images saved before this one: %1. Choose another folder or free some disk space.</source>
        <translation>此前已保存 %1 张图像。请选择另一个文件夹或释放磁盘空间。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1146"/>
        <source>Images saved in %1: %2</source>
        <translation>已保存到 %1：%2 张图像</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1263"/>
        <source>Move this result to the trash and remove it from the gallery?</source>
        <translation>把这张结果移到回收站并从图库中移除？</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1265"/>
        <source>Move these %1 results to the trash and remove them from the gallery?</source>
        <translation>把这 %1 张结果移到回收站并从图库中移除？</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1295"/>
        <source>Result deleted.</source>
        <translation>已删除结果。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1296"/>
        <source>%1 results deleted.</source>
        <translation>已删除 %1 张结果。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1547"/>
        <source>Unsaved Results</source>
        <translation>未保存的结果</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1552"/>
        <source>Save them before quitting? Unsaved results are lost.</source>
        <translation>退出前保存吗？未保存的结果将会丢失。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1556"/>
        <source>Quit Without Saving</source>
        <translation>不保存并退出</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1606"/>
        <source>The batch job cannot run</source>
        <translation>批量任务无法运行</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1624"/>
        <source>batch image %1 of %2</source>
        <translation>批量图像 第 %1 / %2 张</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1632"/>
        <source>The batch job stopped</source>
        <translation>批量任务已停止</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1633"/>
        <source>Images finished so far stay in %1; run the job again to continue.</source>
        <translation>已完成的图像保留在 %1 中；再次运行该任务即可继续。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1638"/>
        <source>Batch done: %1 new, %2 kept, in %3</source>
        <translation>批量完成：新生成 %1 张，保留 %2 张，位于 %3</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="1642"/>
        <source>Batch cancelled; finished images stay in %1</source>
        <translation>批量已取消；已完成的图像保留在 %1 中</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::ModelPartsMenus</name>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="67"/>
        <source>&amp;Base Model</source>
        <translation>基础模型(&amp;B)</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="69"/>
        <source>The Stable Diffusion 1.5 model under the DEADiff parts: it paints, DEADiff brings the reference&apos;s style</source>
        <translation>DEADiff 部件之下的 Stable Diffusion 1.5 模型：由它作画，DEADiff 带来参考图像的风格</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="73"/>
        <source>&amp;VAE</source>
        <translation>VAE(&amp;V)</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="91"/>
        <source>The DEADiff Checkpoint&apos;s Own</source>
        <translation>DEADiff 检查点自带的</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="94"/>
        <source>Choose Base Model…</source>
        <translation>选择基础模型…</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="96"/>
        <source>Use the EMA Weights</source>
        <translation>使用 EMA 权重</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="100"/>
        <source>Checkpoints saved during training may hold a second, averaged copy of the UNet (model_ema.*)</source>
        <translation>训练时保存的检查点可能包含 UNet 的第二份滑动平均副本（model_ema.*）</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="106"/>
        <source>The Base Model&apos;s Own</source>
        <translation>基础模型自带的</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="108"/>
        <source>Choose VAE…</source>
        <translation>选择 VAE…</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="115"/>
        <source>Choose a Stable Diffusion 1.5 Base Model</source>
        <translation>选择 Stable Diffusion 1.5 基础模型</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="116"/>
        <source>Checkpoints (*.safetensors *.ckpt);;Model folders (model.json);;All files (*)</source>
        <translation>检查点 (*.safetensors *.ckpt);;模型文件夹 (model.json);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="124"/>
        <source>Choose a VAE</source>
        <translation>选择 VAE</translation>
    </message>
    <message>
        <location filename="../ui/model_parts_menus.cpp" line="125"/>
        <source>VAE files (*.safetensors *.ckpt *.pt);;All files (*)</source>
        <translation>VAE 文件 (*.safetensors *.ckpt *.pt);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::StepPlot</name>
    <message>
        <location filename="../ui/step_plot.cpp" line="22"/>
        <source>Seconds per step</source>
        <translation>每步耗时（秒）</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="28"/>
        <source>Change of the prediction</source>
        <translation>预测图像的变化量</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="31"/>
        <source>Step</source>
        <translation>步</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="32"/>
        <source>Seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="33"/>
        <source>Relative change</source>
        <translation>相对变化</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="48"/>
        <source>Save Plot as PNG…</source>
        <translation>将曲线图保存为 PNG…</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="100"/>
        <location filename="../ui/step_plot.cpp" line="107"/>
        <source>Save Plot</source>
        <translation>保存曲线图</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="101"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="108"/>
        <source>Could not write %1. Check that the folder exists and is writable.</source>
        <translation>无法写入 %1。请检查该文件夹是否存在且可写。</translation>
    </message>
</context>
</TS>
